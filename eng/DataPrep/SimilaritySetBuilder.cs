namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>One row of the sentence-pair similarity set.</summary>
/// <param name="Sentence1">The first description.</param>
/// <param name="Sentence2">The second description.</param>
/// <param name="Score">The graded similarity, 0 (no debtag in common) to 5 (identical debtag sets).</param>
public sealed record SimilarityPair(string Sentence1, string Sentence2, double Score);

/// <summary>
/// Builds sentence pairs whose similarity is the Jaccard overlap of the two packages' debtag sets scaled to
/// 0..5 (the STS-B range), balanced over the five score bins [0,1), [1,2), [2,3), [3,4), [4,5].
/// </summary>
public static class SimilaritySetBuilder
{
    /// <summary>The number of score bins the pairs are balanced over.</summary>
    public const int BinCount = 5;

    /// <summary>The most pairs a single description may take part in, so that no text dominates the set.</summary>
    public const int MaxPairsPerText = 6;

    /// <summary>5 × |a ∩ b| / |a ∪ b| for two tag sets (0 when both are empty).</summary>
    /// <param name="a">The first tag set.</param>
    /// <param name="b">The second tag set.</param>
    public static double Score(IReadOnlyCollection<string> a, IReadOnlyCollection<string> b)
    {
        var union = a.Union(b, StringComparer.Ordinal).Count();
        return union == 0 ? 0 : 5.0 * a.Intersect(b, StringComparer.Ordinal).Count() / union;
    }

    /// <summary>The score bin of a score: 0 for [0,1) up to <see cref="BinCount"/> - 1 for [4,5].</summary>
    /// <param name="score">A score in 0..5.</param>
    public static int Bin(double score) => Math.Min(BinCount - 1, (int)Math.Floor(score));

    /// <summary>
    /// Samples pairs among <paramref name="groups"/> (texts of one split): half the candidates are random
    /// partners (mostly low scores), half share a random tag of the anchor (higher scores); a candidate is kept
    /// while its bin has room. Stops when every bin is full or after a bounded number of tries, so a small
    /// input gives fewer pairs rather than looping.
    /// </summary>
    /// <param name="groups">Distinct texts of one split; those with fewer than <paramref name="minTags"/> tags are ignored.</param>
    /// <param name="pairCount">How many pairs to aim for (split evenly over the bins).</param>
    /// <param name="minTags">The fewest debtags a text needs to take part.</param>
    /// <param name="seed">Seed of the pseudo-random sampling (same seed, same pairs).</param>
    public static IReadOnlyList<SimilarityPair> Build(IReadOnlyList<DescriptionGroup> groups, int pairCount, int minTags, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pairCount);
        var items = groups.Where(g => g.Tags.Count >= minTags).Select(g => (g.Text, Tags: g.Tags)).ToArray();
        var pairs = new List<SimilarityPair>(pairCount);
        if (items.Length < 2 || pairCount == 0)
        {
            return pairs;
        }

        var byTag = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < items.Length; i++)
        {
            foreach (var tag in items[i].Tags)
            {
                (byTag.TryGetValue(tag, out var list) ? list : byTag[tag] = []).Add(i);
            }
        }

        var quota = Enumerable.Range(0, BinCount).Select(b => pairCount / BinCount + (b < pairCount % BinCount ? 1 : 0)).ToArray();
        var uses = new int[items.Length];
        var used = new HashSet<(int, int)>();
        var random = new Random(seed);
        for (var attempt = 0; attempt < pairCount * 1000 && pairs.Count < pairCount; attempt++)
        {
            var a = random.Next(items.Length);
            int b;
            if (random.Next(2) == 0)
            {
                b = random.Next(items.Length);
            }
            else
            {
                var sharing = byTag[items[a].Tags[random.Next(items[a].Tags.Count)]];
                b = sharing[random.Next(sharing.Count)];
            }

            if (a == b || uses[a] >= MaxPairsPerText || uses[b] >= MaxPairsPerText || !used.Add((Math.Min(a, b), Math.Max(a, b))))
            {
                continue;
            }

            var score = Score(items[a].Tags, items[b].Tags);
            var bin = Bin(score);
            if (quota[bin] == 0)
            {
                continue;
            }

            quota[bin]--;
            uses[a]++;
            uses[b]++;
            pairs.Add(new SimilarityPair(items[a].Text, items[b].Text, Math.Round(score, 2)));
        }

        return pairs;
    }
}
