using TorchSharp.Modules;

namespace Microsoft.ML.Lamda.Training;

/// <summary>Parameters sharing one learning rate and one decoupled weight decay in <see cref="AdamW"/>.</summary>
public sealed class AdamWParameterGroup
{
    /// <summary>Creates a group.</summary>
    /// <param name="parameters">Named parameters; names must be unique across the optimizer's groups (they key saved state).</param>
    /// <param name="learningRate">Peak learning rate.</param>
    /// <param name="weightDecay">Decoupled weight decay coefficient (0 turns it off).</param>
    /// <param name="decayTowardsInitialValues">
    /// Decay pulls each parameter towards its value when the optimizer was created instead of towards zero (for
    /// adapters that hold pretrained components, such as LaMDA's S and B: the decay then regularises the change).
    /// </param>
    /// <param name="stepScales">Per-element step multipliers of some of the group's parameters, by name (see <see cref="StepScale"/>).</param>
    /// <exception cref="ArgumentException">A rate or decay is not valid, or a step scale names no parameter of the group or does not fit its shape.</exception>
    public AdamWParameterGroup(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double weightDecay, bool decayTowardsInitialValues = false, IReadOnlyDictionary<string, StepScale>? stepScales = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(learningRate >= 0 && double.IsFinite(learningRate)))
            throw new ArgumentException($"learningRate = {learningRate} is not valid: expected a finite number >= 0.", nameof(learningRate));
        if (!(weightDecay >= 0 && double.IsFinite(weightDecay)))
            throw new ArgumentException($"weightDecay = {weightDecay} is not valid: expected a finite number >= 0.", nameof(weightDecay));
        Parameters = parameters.ToList();
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        DecayTowardsInitialValues = decayTowardsInitialValues;
        StepScales = stepScales ?? new Dictionary<string, StepScale>(StringComparer.Ordinal);
        foreach (var (name, scale) in StepScales)
        {
            var match = Parameters.FirstOrDefault(p => p.Name == name);
            if (match.Parameter is null)
                throw new ArgumentException($"A step scale names parameter '{name}', which is not in the group.", nameof(stepScales));
            scale.Validate(name, match.Parameter.shape);
        }
    }

    /// <summary>Per-element step multipliers, by parameter name; parameters not named here step by the rate alone.</summary>
    public IReadOnlyDictionary<string, StepScale> StepScales { get; }

    /// <summary>Whether decay pulls towards the values at the optimizer's creation (true) or towards zero (false).</summary>
    public bool DecayTowardsInitialValues { get; }

    /// <summary>The named parameters of the group.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    /// <summary>Peak learning rate (multiplied by the schedule's multiplier at each step).</summary>
    public double LearningRate { get; }

    /// <summary>Decoupled weight decay coefficient.</summary>
    public double WeightDecay { get; }

    /// <summary>
    /// Splits <paramref name="parameters"/> into a group with weight decay and one without. No decay for biases
    /// (name ending in "bias") and normalization weights (1-D tensors, or a name containing "LayerNorm", "layer_norm"
    /// or "layernorm", case-insensitive), as in the transformers recipe. Empty groups are left out.
    /// </summary>
    public static IReadOnlyList<AdamWParameterGroup> SplitByWeightDecay(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double weightDecay)
    {
        var all = parameters.ToList();
        var noDecay = all.Where(p => IsExemptFromDecay(p.Name, p.Parameter)).ToList();
        var decay = all.Where(p => !IsExemptFromDecay(p.Name, p.Parameter)).ToList();
        var groups = new List<AdamWParameterGroup>();
        if (decay.Count > 0) groups.Add(new AdamWParameterGroup(decay, learningRate, weightDecay));
        if (noDecay.Count > 0) groups.Add(new AdamWParameterGroup(noDecay, learningRate, 0));
        return groups;
    }

    private static bool IsExemptFromDecay(string name, Parameter parameter)
        => name.EndsWith("bias", StringComparison.Ordinal)
           || parameter.dim() <= 1
           || name.Contains("layernorm", StringComparison.OrdinalIgnoreCase)
           || name.Contains("layer_norm", StringComparison.OrdinalIgnoreCase);
}
