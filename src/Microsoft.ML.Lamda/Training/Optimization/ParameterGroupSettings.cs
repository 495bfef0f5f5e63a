namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Learning rates and weight decay of the optimizer's parameter groups for an adapted model
/// (<see cref="Adapters.AdaptedModel.ParameterGroups"/>): a base rate, multipliers for LaMDA's B and for the task head,
/// and whether LaMDA's S and B decay towards their initial values.
/// </summary>
/// <param name="LearningRate">The base peak learning rate: LaMDA's S, LoRA's A and B, every encoder weight in full fine-tuning.</param>
/// <param name="WeightDecay">Decoupled weight decay (never applied to biases and normalization weights).</param>
public sealed record ParameterGroupSettings(double LearningRate, double WeightDecay)
{
    /// <summary>LaMDA's B (PMB) trains at <see cref="LearningRate"/> times this. Default 1.</summary>
    public double PmbLearningRateMultiplier { get; init; } = 1;

    /// <summary>The task head (modules trained in full) trains at <see cref="LearningRate"/> times this. Default 1.</summary>
    public double HeadLearningRateMultiplier { get; init; } = 1;

    /// <summary>
    /// LaMDA's S and B decay towards their values at the optimizer's creation (the pretrained components), not
    /// towards zero, so that decay regularises the change. Default false.
    /// </summary>
    public bool DecayTowardsInitialValues { get; init; }

    /// <summary>
    /// LaMDA: the rates of S and B are relative step sizes (see <see cref="Adapters.LamdaLinear"/>'s step scales): S's
    /// entry (i, j) steps by the rate times √(σᵢσⱼ), B by the rate over √d_out. Default false (plain rates).
    /// </summary>
    public bool RelativeLamdaSteps { get; init; }
}
