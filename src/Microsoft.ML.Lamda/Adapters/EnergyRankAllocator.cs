namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// LaMDA++'s static rank allocation: from each adapted layer's normalized energy score
/// e_l = Σ_{i≤r} σ²_{l,i} / Σ_i σ²_{l,i} (top-r share of spectral energy at the uniform rank r), gives layer l a rank
/// r_l so that layers with concentrated spectra get more rank. The rule, exactly:
/// <list type="number">
/// <item>Proportional share: r_l = floor(r · √(e_l / ē)), ē the mean score, so that r_l² ∝ e_l and Σ r_l² ≤ L·r² before the bounds.</item>
/// <item>Bounds: r_l is clamped to [1, min(d_in, d_out)].</item>
/// <item>Monotone pass: in descending score order (ties broken by layer index), r_l = min(r_l, rank of the previous layer),
/// so a higher-scored layer never has a lower rank than a lower-scored one.</item>
/// <item>Over budget (only possible after lifting ranks to 1): repeatedly decrement the lowest-scored layer whose rank is
/// above 1 and above the rank of the next lower-scored layer, until Σ r_l² ≤ L·r².</item>
/// <item>Fill: repeatedly increment the highest-scored layer that stays within its bound, stays at or below the rank
/// of the previous (higher-scored) layer, and keeps Σ r_l² ≤ L·r²; stop when none can grow.</item>
/// <item>Guarantee: if the result uses less than 90% of L·r² (possible only with near-degenerate bounds), the uniform
/// rank r is used for every layer (it satisfies every invariant exactly).</item>
/// </list>
/// Invariants: monotone in score, 0.9·L·r² ≤ Σ r_l² ≤ L·r², 1 ≤ r_l ≤ min(d_in, d_out); computed once, before training.
/// </summary>
public static class EnergyRankAllocator
{
    /// <summary>The smallest share of the budget L·r² that an allocation must use.</summary>
    public const double MinimumBudgetShare = 0.9;

    /// <summary>
    /// e(r) = Σ_{i≤r} σᵢ² / Σᵢ σᵢ² for the singular values <paramref name="singularValues"/> (1 for an all-zero spectrum).
    /// </summary>
    public static double EnergyScore(IReadOnlyList<double> singularValues, int rank)
    {
        ArgumentNullException.ThrowIfNull(singularValues);
        return LayerSpectrum.EnergyScore(singularValues, rank);
    }

    /// <summary>Allocates per-layer ranks from energy scores by the rule in the type's remarks.</summary>
    /// <param name="scores">e_l for each layer, in [0, 1].</param>
    /// <param name="maxRanks">min(d_in, d_out) for each layer; each must be at least <paramref name="rank"/>.</param>
    /// <param name="rank">The uniform rank r whose budget L·r² is shared.</param>
    /// <exception cref="ArgumentException">Mismatched lengths, an empty layer list, a score outside [0, 1], or a bound below the rank.</exception>
    public static int[] Allocate(IReadOnlyList<double> scores, IReadOnlyList<long> maxRanks, int rank)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(maxRanks);
        int layers = scores.Count;
        if (layers == 0) throw new ArgumentException("No layers to allocate ranks to.", nameof(scores));
        if (maxRanks.Count != layers) throw new ArgumentException($"{maxRanks.Count} rank bounds given for {layers} scores.", nameof(maxRanks));
        if (rank <= 0) throw new ArgumentException($"Rank {rank} is not valid: expected a positive integer.", nameof(rank));
        for (int l = 0; l < layers; l++)
        {
            if (!(scores[l] >= 0 && scores[l] <= 1)) throw new ArgumentException($"Energy score {scores[l]} of layer {l} is not in [0, 1].", nameof(scores));
            if (maxRanks[l] < rank) throw new ArgumentException($"Layer {l} allows rank at most {maxRanks[l]}, below the uniform rank {rank}.", nameof(maxRanks));
        }

        long budget = (long)layers * rank * rank;
        double mean = scores.Average();
        // order[i] is the layer with the i-th highest score.
        int[] order = Enumerable.Range(0, layers).OrderByDescending(l => scores[l]).ThenBy(l => l).ToArray();
        var ranks = new long[layers];
        for (int i = 0; i < layers; i++)
        {
            int l = order[i];
            long share = mean > 0 ? (long)Math.Floor(rank * Math.Sqrt(scores[l] / mean) + 1e-9) : rank;
            ranks[l] = Math.Clamp(share, 1, maxRanks[l]);
            if (i > 0) ranks[l] = Math.Min(ranks[l], ranks[order[i - 1]]);
        }

        long used = ranks.Sum(r => r * r);
        while (used > budget)
        {
            int i = Enumerable.Range(0, layers).Reverse().First(i => ranks[order[i]] > 1 && (i == layers - 1 || ranks[order[i + 1]] < ranks[order[i]]));
            used -= 2 * ranks[order[i]] - 1;
            ranks[order[i]]--;
        }

        for (bool grew = true; grew;)
        {
            grew = false;
            for (int i = 0; i < layers; i++)
            {
                int l = order[i];
                long cost = 2 * ranks[l] + 1;
                bool fits = ranks[l] < maxRanks[l] && used + cost <= budget && (i == 0 || ranks[order[i - 1]] > ranks[l]);
                if (!fits) continue;
                ranks[l]++;
                used += cost;
                grew = true;
                break;
            }
        }

        if (used < MinimumBudgetShare * budget)
            return Enumerable.Repeat(rank, layers).ToArray();
        return ranks.Select(r => (int)r).ToArray();
    }
}
