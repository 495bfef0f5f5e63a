namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// The learning rates used when the user gives none, by method and encoder hidden size h: a rate measured on the
/// shipped encoders (see the README's method section), scaled by min(1, 256/h) so that wider (base-size) encoders get
/// proportionally smaller steps.
/// </summary>
internal static class LearningRateDefaults
{
    /// <summary>The base rate: LaMDA's S, LoRA's A and B, every weight in full fine-tuning.</summary>
    public static double BaseRate(AdapterMethod method, int hiddenSize) => Scale(hiddenSize) * method switch
    {
        AdapterMethod.FullFineTuning => 2e-4,
        AdapterMethod.Lora => 2e-3,
        _ => 2e-2,
    };

    /// <summary>LaMDA's B trains at the base rate times this (its steps move W by σ-amplified amounts).</summary>
    public static double PmbMultiplier(AdapterMethod method) => method is AdapterMethod.Lamda or AdapterMethod.LamdaPlusPlus ? 0.05 : 1;

    /// <summary>The task head trains at the base rate times this.</summary>
    public static double HeadMultiplier(AdapterMethod method) => method is AdapterMethod.Lamda or AdapterMethod.LamdaPlusPlus ? 0.1 : 1;

    private static double Scale(int hiddenSize) => Math.Min(1.0, 256.0 / Math.Max(1, hiddenSize));
}
