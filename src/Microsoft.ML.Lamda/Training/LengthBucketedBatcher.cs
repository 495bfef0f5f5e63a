namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Cuts an epoch into batches of rows of similar length, so that padding wastes little compute, while the
/// order stays random: rows are shuffled, grouped into pools of <see cref="PoolBatches"/> batches, each pool
/// sorted by length and cut into batches, and the batches shuffled again. The order depends only on the
/// seed and the epoch, so a resumed run sees exactly the batches an uninterrupted run would have seen.
/// </summary>
internal static class LengthBucketedBatcher
{
    /// <summary>How many batches one length-sorted pool holds.</summary>
    public const int PoolBatches = 50;

    /// <summary>Returns the batches (row indices) of epoch <paramref name="epoch"/>.</summary>
    public static IReadOnlyList<int[]> EpochBatches(IReadOnlyList<int> lengths, int batchSize, int seed, int epoch)
    {
        var random = new Random(SeedOf(seed, epoch));
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        random.Shuffle(order);

        var batches = new List<int[]>();
        int poolSize = batchSize * PoolBatches;
        for (int start = 0; start < order.Length; start += poolSize)
        {
            var pool = order.AsSpan(start, Math.Min(poolSize, order.Length - start)).ToArray();
            Array.Sort(pool, (a, b) => lengths[a].CompareTo(lengths[b]));
            batches.AddRange(pool.Chunk(batchSize));
        }
        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }

    /// <summary>
    /// A seed derived from the run's seed and the epoch, the same in every process (unlike <see cref="HashCode"/>,
    /// which is randomized per process).
    /// </summary>
    public static int SeedOf(int seed, int epoch) => unchecked((int)((uint)seed * 2654435761u ^ (uint)(epoch + 1) * 2246822519u));

    /// <summary>Cuts rows, in their order, into consecutive batches (for evaluation, where order does not matter).</summary>
    public static IReadOnlyList<int[]> SequentialBatches(int count, int batchSize) =>
        Enumerable.Range(0, count).Chunk(batchSize).ToArray();
}
