namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// The number of frozen columns of LaMDA's B after t optimizer steps: k(0) = 0, k(t) = r for t ≥ t_i, and in between
/// k(t) = ceil(r · (1 − (1 − t/t_i)³)) (cubic) or ceil(r · t/t_i) (linear).
/// </summary>
public sealed class PmbFreezeSchedule
{
    /// <summary>Creates the schedule for a layer of rank <paramref name="rank"/> frozen completely after <paramref name="freezeSteps"/> steps.</summary>
    public PmbFreezeSchedule(int rank, int freezeSteps, PmbFreezeCurve curve = PmbFreezeCurve.Cubic)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(freezeSteps);
        Rank = rank;
        FreezeSteps = freezeSteps;
        Curve = curve;
    }

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

    /// <summary>k(t): the number of frozen columns once <paramref name="step"/> optimizer steps have been taken.</summary>
    public int FrozenColumns(int step)
    {
        if (step <= 0) return 0;
        if (step >= FreezeSteps) return Rank;
        double progress = (double)step / FreezeSteps;
        double share = Curve == PmbFreezeCurve.Cubic ? 1 - Math.Pow(1 - progress, 3) : progress;
        // The epsilon keeps an exact integer (up to round-off) from being pushed to the next one by ceil.
        return Math.Clamp((int)Math.Ceiling(Rank * share - 1e-9), 0, Rank);
    }
}
