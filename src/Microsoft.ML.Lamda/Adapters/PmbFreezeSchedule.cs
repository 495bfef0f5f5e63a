namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// The number of frozen columns of LaMDA's B after t optimizer steps: k(t) = 0 for t ≤ t_s (the start step, 0 by
/// default), k(t) = r for t ≥ t_i, and in between, with p = (t − t_s)/(t_i − t_s),
/// k(t) = ceil(r · (1 − (1 − p)³)) (cubic) or ceil(r · p) (linear).
/// </summary>
public sealed class PmbFreezeSchedule
{
    /// <summary>
    /// Creates the schedule for a layer of rank <paramref name="rank"/> whose columns start freezing after
    /// <paramref name="startStep"/> steps and are all frozen after <paramref name="freezeSteps"/> steps.
    /// </summary>
    /// <exception cref="ArgumentException">A non-positive rank or t_i, a negative start, or a start not before t_i.</exception>
    public PmbFreezeSchedule(int rank, int freezeSteps, PmbFreezeCurve curve = PmbFreezeCurve.Cubic, int startStep = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(freezeSteps);
        if (startStep < 0 || startStep >= freezeSteps)
            throw new ArgumentException($"The PMB freezing start step {startStep} is not valid: expected 0 to t_i − 1 = {freezeSteps - 1} (freezing must start before every column is frozen at t_i).", nameof(startStep));
        Rank = rank;
        FreezeSteps = freezeSteps;
        Curve = curve;
        StartStep = startStep;
    }

    /// <summary>t_s, the last step before which no column is frozen.</summary>
    public int StartStep { get; }

    /// <summary>The layer rank r (number of columns of B).</summary>
    public int Rank { get; }

    /// <summary>t_i, the step from which every column is frozen.</summary>
    public int FreezeSteps { get; }

    /// <summary>The curve of k(t).</summary>
    public PmbFreezeCurve Curve { get; }

    /// <summary>
    /// t_i for a run of <paramref name="totalSteps"/> optimizer steps: <paramref name="absoluteSteps"/> when given,
    /// otherwise ceil(<paramref name="fraction"/> · totalSteps), at least 1.
    /// </summary>
    public static int ResolveFreezeSteps(int totalSteps, double fraction, int? absoluteSteps)
        => absoluteSteps ?? Math.Max(1, (int)Math.Ceiling(fraction * Math.Max(totalSteps, 0) - 1e-9));

    /// <summary>
    /// t_s for a run of <paramref name="totalSteps"/> optimizer steps: <paramref name="absoluteSteps"/> when given,
    /// otherwise floor(<paramref name="fraction"/> · totalSteps).
    /// </summary>
    public static int ResolveStartStep(int totalSteps, double fraction, int? absoluteSteps)
        => absoluteSteps ?? (int)Math.Floor(fraction * Math.Max(totalSteps, 0) + 1e-9);

    /// <summary>k(t): the number of frozen columns once <paramref name="step"/> optimizer steps have been taken.</summary>
    public int FrozenColumns(int step)
    {
        if (step <= StartStep) return 0;
        if (step >= FreezeSteps) return Rank;
        double progress = (double)(step - StartStep) / (FreezeSteps - StartStep);
        double share = Curve == PmbFreezeCurve.Cubic ? 1 - Math.Pow(1 - progress, 3) : progress;
        // The epsilon keeps an exact integer (up to round-off) from being pushed to the next one by ceil.
        return Math.Clamp((int)Math.Ceiling(Rank * share - 1e-9), 0, Rank);
    }
}
