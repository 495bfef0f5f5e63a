namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>Linear warm-up from 0 to the peak learning rate, then linear decay to 0 at the last step.</summary>
/// <param name="PeakLearningRate">The learning rate at the end of warm-up.</param>
/// <param name="WarmupSteps">The number of warm-up steps.</param>
/// <param name="TotalSteps">The number of optimiser steps in all.</param>
public sealed record LinearSchedule(double PeakLearningRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The learning rate of step <paramref name="step"/> (1-based).</summary>
    /// <param name="step">The optimiser step, 1 to <see cref="TotalSteps"/>.</param>
    public double At(int step) => step <= WarmupSteps
        ? PeakLearningRate * step / Math.Max(1, WarmupSteps)
        : PeakLearningRate * Math.Max(0, TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps);
}
