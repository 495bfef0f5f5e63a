namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// The training loop's own settings (batching, epochs, optimizer, schedule, stopping, checkpoints), plain values
/// built from the trainers' options; adapter and PMB freezing settings live in <see cref="Adapters.AdapterConfig"/>.
/// </summary>
internal sealed record TrainingSettings
{
    /// <summary>Rows per batch, for training and for evaluation.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Passes over the training data at most.</summary>
    public required int MaxEpochs { get; init; }

    /// <summary>Batches whose gradients are summed into one optimizer step.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Peak learning rate (after warm-up).</summary>
    public required double LearningRate { get; init; }

    /// <summary>LaMDA's B trains at <see cref="LearningRate"/> times this.</summary>
    public double PmbLearningRateMultiplier { get; init; } = 1;

    /// <summary>The task head trains at <see cref="LearningRate"/> times this.</summary>
    public double HeadLearningRateMultiplier { get; init; } = 1;

    /// <summary>LaMDA's S and B decay towards their initial values instead of towards zero.</summary>
    public bool DecayTowardsInitialValues { get; init; }

    /// <summary>LaMDA's rates are relative step sizes (<see cref="ParameterGroupSettings.RelativeLamdaSteps"/>).</summary>
    public bool RelativeLamdaSteps { get; init; }

    /// <summary>AdamW decoupled weight decay (never applied to biases and LayerNorms).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Share of the optimizer steps spent warming the learning rate up from 0.</summary>
    public double WarmupFraction { get; init; }

    /// <summary>Largest global gradient norm.</summary>
    public double MaxGradientNorm { get; init; } = 1.0;

    /// <summary>Stop after this many epochs without a better validation metric; null: never.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Folder of training checkpoints; null: none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Receives progress reports; null: none.</summary>
    public Action<LamdaTrainingProgress>? Progress { get; init; }
}
