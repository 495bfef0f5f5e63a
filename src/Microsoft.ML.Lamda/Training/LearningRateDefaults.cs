namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// The learning rates used when the user gives none, by method and encoder hidden size h (see the README's method
/// section and eng/Study/results). Plain rates are scaled by min(1, 256/h), so that wider (base-size) encoders get
/// proportionally smaller steps. LaMDA's rate with relative steps (the default) is a relative step size, the same for
/// every encoder: S and B are stepped in proportion to the layer's own singular values
/// (<see cref="Adapters.LamdaLinear"/>), which is what made the best plain rate move between encoders. The task head,
/// a fresh layer, trains at LoRA's default rate whatever LaMDA's rate is.
/// </summary>
internal static class LearningRateDefaults
{
    /// <summary>
    /// LaMDA's relative step: S's entries and B's columns change by about 0.5 % per step. Chosen on the validation
    /// split (eng/Study): on the embedded encoder every rate from half to four times it lands within 3.7 points; on
    /// all-MiniLM-L6-v2 it is the best rate tried, and four times it (2e-2) diverged on one seed of two.
    /// </summary>
    public const double RelativeLamdaRate = 5e-3;

    /// <summary>The base rate: LaMDA's S, LoRA's A and B, every weight in full fine-tuning.</summary>
    public static double BaseRate(AdapterMethod method, int hiddenSize, bool relativeLamdaSteps) => method switch
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
    public static double PmbMultiplier(AdapterMethod method, bool relativeLamdaSteps)
        => IsLamda(method) && !relativeLamdaSteps ? 0.05 : 1;

    /// <summary>
    /// The task head trains at <paramref name="baseRate"/> times this: for LaMDA, the multiplier that gives the head
    /// LoRA's default rate, so that changing LaMDA's rate changes the adapter's steps only; 1 for the other methods.
    /// </summary>
    public static double HeadMultiplier(AdapterMethod method, int hiddenSize, double baseRate)
        => IsLamda(method) ? BaseRate(AdapterMethod.Lora, hiddenSize, relativeLamdaSteps: false) / baseRate : 1;

    private static bool IsLamda(AdapterMethod method) => method is AdapterMethod.Lamda or AdapterMethod.LamdaPlusPlus;

    private static double Scale(int hiddenSize) => Math.Min(1.0, 256.0 / Math.Max(1, hiddenSize));
}
