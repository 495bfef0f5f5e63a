namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// The learning rates used when the user gives none, by method and encoder hidden size h (see the README's method
/// section). Plain rates are scaled by min(1, 256/h), so that wider (base-size) encoders get proportionally smaller
/// steps. LaMDA's rate with relative steps (opt-in) is a relative step size, the same for every encoder: S and B
/// are stepped in proportion to the layer's own singular values (<see cref="Adapters.LamdaLinear"/>), which is what
/// made the best plain rate move between encoders. The task head, a fresh layer, trains at LoRA's default rate.
/// </summary>
internal static class LearningRateDefaults
{
    /// <summary>LaMDA's relative step: S's entries and B's columns change by about 1 % per step.</summary>
    public const double RelativeLamdaRate = 1e-2;

    /// <summary>The base rate: LaMDA's S, LoRA's A and B, every weight in full fine-tuning.</summary>
    public static double BaseRate(AdapterMethod method, int hiddenSize, bool relativeLamdaSteps = true) => method switch
    {
        AdapterMethod.FullFineTuning => 2e-4 * Scale(hiddenSize),
        AdapterMethod.Lora => 2e-3 * Scale(hiddenSize),
        _ when relativeLamdaSteps => RelativeLamdaRate,
        _ => 2e-2 * Scale(hiddenSize),
    };

    /// <summary>
    /// LaMDA's B trains at the base rate times this: 1 with relative steps (B's step scale already divides by √d_out),
    /// 0.05 with plain rates (B's steps move W by σ-amplified amounts).
    /// </summary>
    public static double PmbMultiplier(AdapterMethod method, bool relativeLamdaSteps = true)
        => IsLamda(method) && !relativeLamdaSteps ? 0.05 : 1;

    /// <summary>The task head trains at the base rate times this: for LaMDA, so that it trains at LoRA's default rate.</summary>
    public static double HeadMultiplier(AdapterMethod method, int hiddenSize, bool relativeLamdaSteps = true)
        => IsLamda(method) ? BaseRate(AdapterMethod.Lora, hiddenSize) / BaseRate(method, hiddenSize, relativeLamdaSteps) : 1;

    private static bool IsLamda(AdapterMethod method) => method is AdapterMethod.Lamda or AdapterMethod.LamdaPlusPlus;

    private static double Scale(int hiddenSize) => Math.Min(1.0, 256.0 / Math.Max(1, hiddenSize));
}
