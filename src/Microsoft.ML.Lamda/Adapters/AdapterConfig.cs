using System.Globalization;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// What to adapt and how: method, rank, scaling, dropout, target layers, modules trained in full,
/// and the LaMDA initialization and PMB freezing settings. Validated once, by <see cref="AdapterInjector.Inject"/>.
/// </summary>
public sealed class AdapterConfig
{
    /// <summary>The method (default <see cref="AdapterMethod.Lamda"/>).</summary>
    public AdapterMethod Method { get; init; } = AdapterMethod.Lamda;

    /// <summary>The adapter rank r (default 8). For LaMDA++ it is the uniform rank whose budget L·r² is shared out.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>
    /// The scaling numerator α; the adapter path is scaled by α/r. Null (default) means α = r, a scale of 1, for
    /// every method: LaMDA's S then starts exactly at Σ_r, and for LoRA it is PEFT's default scale at r = 8
    /// (lora_alpha = 8), keeping the learning rate's meaning independent of the rank. For LaMDA++ a null α
    /// means α = r_l in each layer.
    /// </summary>
    public double? Alpha { get; init; }

    /// <summary>Dropout probability on the adapter path's input (default 0).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Patterns naming the linear layers to adapt. A pattern made only of letters, digits, '_' and '.' matches a
    /// module whose dotted name equals it or ends with '.' + pattern (PEFT's suffix rule, e.g. "query" or
    /// "attention.self.query"); any other pattern is a regular expression that must match the whole dotted name.
    /// Null (default): every Linear whose dotted name lies inside a numbered block (has a purely numeric segment).
    /// Ignored by <see cref="AdapterMethod.FullFineTuning"/>.
    /// </summary>
    public IReadOnlyList<string>? TargetModules { get; init; }

    /// <summary>Patterns (same rules as <see cref="TargetModules"/>) of modules trained in full, such as the task head.</summary>
    public IReadOnlyList<string>? ModulesToSave { get; init; }

    /// <summary>LaMDA initialization (default <see cref="LamdaInitialization.Spectral"/>).</summary>
    public LamdaInitialization Initialization { get; init; } = LamdaInitialization.Spectral;

    /// <summary>LaMDA: freeze B column by column during training (the method's memory saving). Default true; false keeps B trained throughout.</summary>
    public bool FreezePmb { get; init; } = true;

    /// <summary>Shape of the PMB freezing schedule (default cubic).</summary>
    public PmbFreezeCurve FreezeCurve { get; init; } = PmbFreezeCurve.Cubic;

    /// <summary>Order in which B's columns freeze (default largest singular value first).</summary>
    public PmbFreezeOrder FreezeOrder { get; init; } = PmbFreezeOrder.LargestFirst;

    /// <summary>t_i as a fraction of the total optimizer steps (default 0.3), used when <see cref="FreezeSteps"/> is null.</summary>
    public double FreezeFraction { get; init; } = 0.3;

    /// <summary>t_i as an absolute optimizer step count; overrides <see cref="FreezeFraction"/> when set.</summary>
    public int? FreezeSteps { get; init; }

    /// <summary>
    /// t_s, when freezing starts, as a fraction of the total optimizer steps (default 0: from the first step), used when
    /// <see cref="FreezeStartSteps"/> is null. No column freezes before t_s; every column is frozen at t_i.
    /// </summary>
    public double FreezeStartFraction { get; init; }

    /// <summary>t_s as an absolute optimizer step count; overrides <see cref="FreezeStartFraction"/> when set.</summary>
    public int? FreezeStartSteps { get; init; }

    /// <summary>The α used with a layer of rank <paramref name="rank"/>.</summary>
    internal double AlphaFor(int rank) => Alpha ?? rank;

    /// <summary>Checks every setting that does not depend on the model.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(Method))
            throw new ArgumentException($"Method {Method} is not a known AdapterMethod.", nameof(Method));
        if (Method == AdapterMethod.FullFineTuning) return;
        if (Rank <= 0)
            throw new ArgumentException($"Rank = {Rank} is not valid: the rank must be a positive integer.", nameof(Rank));
        if (Alpha is { } alpha && !(alpha > 0 && double.IsFinite(alpha)))
            throw new ArgumentException($"Alpha = {alpha.ToString(CultureInfo.InvariantCulture)} is not valid: alpha must be a positive finite number.", nameof(Alpha));
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentException($"Dropout = {Dropout.ToString(CultureInfo.InvariantCulture)} is not valid: expected a probability in [0, 1).", nameof(Dropout));
        if (!(FreezeFraction > 0 && FreezeFraction <= 1))
            throw new ArgumentException($"FreezeFraction = {FreezeFraction.ToString(CultureInfo.InvariantCulture)} is not valid: expected a fraction in (0, 1].", nameof(FreezeFraction));
        if (FreezeSteps is <= 0)
            throw new ArgumentException($"FreezeSteps = {FreezeSteps} is not valid: expected a positive step count.", nameof(FreezeSteps));
        if (!(FreezeStartFraction >= 0 && FreezeStartFraction < 1))
            throw new ArgumentException($"FreezeStartFraction = {FreezeStartFraction.ToString(CultureInfo.InvariantCulture)} is not valid: expected a fraction in [0, 1).", nameof(FreezeStartFraction));
        if (FreezeStartSteps is < 0)
            throw new ArgumentException($"FreezeStartSteps = {FreezeStartSteps} is not valid: expected a step count of 0 or more.", nameof(FreezeStartSteps));
        if (FreezeStartSteps is null && FreezeSteps is null && FreezeStartFraction >= FreezeFraction)
            throw new ArgumentException($"FreezeStartFraction = {FreezeStartFraction.ToString(CultureInfo.InvariantCulture)} is not valid: freezing must start before FreezeFraction = {FreezeFraction.ToString(CultureInfo.InvariantCulture)}, when every column of B is frozen.", nameof(FreezeStartFraction));
        if (FreezeStartSteps is { } start && FreezeSteps is { } end && start >= end)
            throw new ArgumentException($"FreezeStartSteps = {start} is not valid: freezing must start before FreezeSteps = {end}, when every column of B is frozen.", nameof(FreezeStartSteps));
        if (!Enum.IsDefined(Initialization))
            throw new ArgumentException($"Initialization {Initialization} is not a known LamdaInitialization.", nameof(Initialization));
        if (!Enum.IsDefined(FreezeCurve))
            throw new ArgumentException($"FreezeCurve {FreezeCurve} is not a known PmbFreezeCurve.", nameof(FreezeCurve));
        if (!Enum.IsDefined(FreezeOrder))
            throw new ArgumentException($"FreezeOrder {FreezeOrder} is not a known PmbFreezeOrder.", nameof(FreezeOrder));
    }
}
