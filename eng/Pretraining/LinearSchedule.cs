namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>
/// Linear warm-up from 0 to the peak learning rate, then linear decay to 0, over the run's progress (0 to 1). A run
/// limited by a time budget measures progress as the larger of its step share and its time share, so the schedule
/// ends where the run does however fast the (shared) machine is.
/// </summary>
/// <param name="PeakLearningRate">The learning rate at the end of warm-up.</param>
/// <param name="WarmupFraction">The share of the run spent warming up.</param>
public sealed record LinearSchedule(double PeakLearningRate, double WarmupFraction)
{
    /// <summary>The learning rate at <paramref name="progress"/> (clamped to 0..1).</summary>
    /// <param name="progress">The share of the run done.</param>
    public double At(double progress)
    {
        progress = Math.Clamp(progress, 0, 1);
        return progress < WarmupFraction
            ? PeakLearningRate * progress / WarmupFraction
            : PeakLearningRate * (1 - progress) / Math.Max(1e-12, 1 - WarmupFraction);
    }

    /// <summary>The share of a run done after <paramref name="step"/> of at most <paramref name="steps"/> steps and
    /// <paramref name="elapsed"/> of an optional <paramref name="budget"/>: the larger of the two shares.</summary>
    /// <param name="step">Steps done.</param>
    /// <param name="steps">The step limit.</param>
    /// <param name="elapsed">Time spent.</param>
    /// <param name="budget">The time limit, or null for none.</param>
    public static double Progress(int step, int steps, TimeSpan elapsed, TimeSpan? budget) =>
        Math.Max((double)step / steps, budget is { } limit ? elapsed / limit : 0);
}
