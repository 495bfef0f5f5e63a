namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Learning-rate multiplier rising linearly from 0 to 1 over the warm-up steps, then falling linearly to 0 at the
/// last step (the transformers "linear" schedule). Multiply each group's learning rate by <see cref="Multiplier"/>.
/// </summary>
public sealed class LinearWarmupDecaySchedule
{
    /// <summary>Creates the schedule for <paramref name="totalSteps"/> optimizer steps, the first <paramref name="warmupSteps"/> warming up.</summary>
    /// <exception cref="ArgumentException">A negative warm-up, a non-positive total, or a warm-up longer than the run.</exception>
    public LinearWarmupDecaySchedule(int warmupSteps, int totalSteps)
    {
        if (totalSteps <= 0)
            throw new ArgumentException($"totalSteps = {totalSteps} is not valid: expected a positive step count.", nameof(totalSteps));
        if (warmupSteps < 0 || warmupSteps > totalSteps)
            throw new ArgumentException($"warmupSteps = {warmupSteps} is not valid: expected 0 to totalSteps ({totalSteps}).", nameof(warmupSteps));
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; }

    /// <summary>Total optimizer steps of the run.</summary>
    public int TotalSteps { get; }

    /// <summary>The multiplier for the optimizer step with zero-based index <paramref name="step"/>.</summary>
    public double Multiplier(int step)
    {
        if (step < WarmupSteps) return (double)(step + 1) / (WarmupSteps + 1);
        if (step >= TotalSteps) return 0;
        return (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps);
    }

    /// <summary>
    /// The multiplier at <paramref name="progress"/> (share of the run done, clamped to [0, 1]) for a run measured by
    /// progress rather than steps (a run with a time budget): <c>progress / warmupFraction</c> during warm-up, then a
    /// linear fall to 0 at the end.
    /// </summary>
    public static double MultiplierAt(double progress, double warmupFraction)
    {
        if (!(warmupFraction >= 0 && warmupFraction < 1))
            throw new ArgumentException($"warmupFraction = {warmupFraction} is not valid: expected [0, 1).", nameof(warmupFraction));
        progress = Math.Clamp(progress, 0, 1);
        return progress < warmupFraction ? progress / warmupFraction : (1 - progress) / (1 - warmupFraction);
    }
}
