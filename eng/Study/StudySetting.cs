using System.Globalization;

namespace Microsoft.ML.Lamda.Study;

/// <summary>
/// One setting of the study: a method with its trainer settings (null: the library's default), or the classic ML.NET
/// pipeline (<see cref="Classic"/>). Seeds, data size and split are part of a run, not of the setting.
/// </summary>
/// <param name="Name">Short unique name, used in the results and the chart.</param>
/// <param name="Method">The method; ignored when <see cref="Classic"/>.</param>
public sealed record StudySetting(string Name, AdapterMethod Method)
{
    /// <summary>FeaturizeText + SdcaMaximumEntropy instead of fine-tuning.</summary>
    public bool Classic { get; init; }

    /// <summary>Base learning rate; null: the library's default (times <see cref="LearningRateFactor"/>).</summary>
    public double? LearningRate { get; init; }

    /// <summary>
    /// Multiplies the library's default base rate for the method and encoder (ignored when <see cref="LearningRate"/> is
    /// set), so that "half" and "twice the default" mean the same on every encoder.
    /// </summary>
    public double? LearningRateFactor { get; init; }

    /// <summary>LaMDA's B multiplier; null: default.</summary>
    public double? PmbMultiplier { get; init; }

    /// <summary>Head multiplier; null: default.</summary>
    public double? HeadMultiplier { get; init; }

    /// <summary>Freezing start; null: default (end of warm-up).</summary>
    public double? FreezeStart { get; init; }

    /// <summary>t_i as a share of the steps; null: default.</summary>
    public double? FreezeFraction { get; init; }

    /// <summary>Decay towards initial values (default true).</summary>
    public bool DecayTowardsInitialValues { get; init; } = true;

    /// <summary>LaMDA initialization.</summary>
    public Adapters.LamdaInitialization Initialization { get; init; } = Adapters.LamdaInitialization.Spectral;

    /// <summary>LaMDA's rates are relative step sizes (<c>RelativeLamdaSteps</c>); false by default (the plain rates the
    /// early plans ran with); null: the library's default.</summary>
    public bool? RelativeSteps { get; init; } = false;

    /// <summary>
    /// The head trains at this times LoRA's default rate for the encoder (null: the library's default head rate), so
    /// that a change of LaMDA's rate can move the head with it (factor = rate factor) or leave it alone.
    /// </summary>
    public double? HeadRateFactor { get; init; }

    /// <summary>Adapter rank; null: the library's default.</summary>
    public int? Rank { get; init; }

    /// <summary>The settings in one line, for the results table.</summary>
    public string Describe() => Classic ? "FeaturizeText + SdcaMaximumEntropy" : string.Create(CultureInfo.InvariantCulture,
        $"{Method} lr={(LearningRateFactor is { } f && LearningRate is null ? $"default×{Show(f)}" : Show(LearningRate))} B×{Show(PmbMultiplier)} head×{(HeadRateFactor is { } h ? $"lora×{Show(h)}" : Show(HeadMultiplier))} start={Show(FreezeStart)} ti={Show(FreezeFraction)} init={Initialization} decay={(DecayTowardsInitialValues ? "initial" : "zero")} r={(Rank is { } r ? r.ToString(CultureInfo.InvariantCulture) : "default")} steps={RelativeSteps switch { true => "relative", false => "plain", null => "library" }}");

    private static string Show(double? value) => value is { } v ? v.ToString("G3", CultureInfo.InvariantCulture) : "default";
}
