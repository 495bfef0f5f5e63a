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
}
