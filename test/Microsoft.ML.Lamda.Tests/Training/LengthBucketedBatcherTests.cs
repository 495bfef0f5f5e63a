using Microsoft.ML.Lamda.Training;

namespace Microsoft.ML.Lamda.Tests.Training;

public sealed class LengthBucketedBatcherTests
{
    private static readonly int[] Lengths = Enumerable.Range(0, 1000).Select(i => 3 + (i * 7919) % 120).ToArray();

    [Fact]
    public void EveryRowAppearsOncePerEpochInFullBatches()
    {
        var batches = LengthBucketedBatcher.EpochBatches(Lengths, batchSize: 32, seed: 5, epoch: 0);
        Assert.Equal(Enumerable.Range(0, Lengths.Length), batches.SelectMany(b => b).Order());
        Assert.True(batches.Count(b => b.Length != 32) <= (Lengths.Length + 32 * LengthBucketedBatcher.PoolBatches - 1) / (32 * LengthBucketedBatcher.PoolBatches));
    }

    [Fact]
    public void OrderDependsOnlyOnSeedAndEpoch()
    {
        var first = LengthBucketedBatcher.EpochBatches(Lengths, 32, seed: 5, epoch: 2);
        var again = LengthBucketedBatcher.EpochBatches(Lengths, 32, seed: 5, epoch: 2);
        var nextEpoch = LengthBucketedBatcher.EpochBatches(Lengths, 32, seed: 5, epoch: 3);
        var otherSeed = LengthBucketedBatcher.EpochBatches(Lengths, 32, seed: 6, epoch: 2);
        Assert.Equal(first.SelectMany(b => b), again.SelectMany(b => b));
        Assert.NotEqual(first.SelectMany(b => b), nextEpoch.SelectMany(b => b));
        Assert.NotEqual(first.SelectMany(b => b), otherSeed.SelectMany(b => b));
    }

    [Fact]
    public void OrderIsTheSameInEveryProcess()
    {
        // A pure function of seed and epoch (value computed independently: (5·2654435761 xor 3·2246822519) mod 2³²,
        // as a signed int); a per-process randomized hash here would break resuming in another process.
        Assert.Equal(-2032779504, LengthBucketedBatcher.SeedOf(5, 2));
    }

    [Fact]
    public void BatchesHoldRowsOfSimilarLength()
    {
        // Lengths spread over 3..122: a random batch spans most of it, a bucketed one a small part.
        var batches = LengthBucketedBatcher.EpochBatches(Lengths, 32, seed: 5, epoch: 0);
        double meanSpread = batches.Average(b => b.Max(i => Lengths[i]) - b.Min(i => Lengths[i]));
        Assert.True(meanSpread < 15, $"mean length spread within a batch: {meanSpread}");
    }

    [Fact]
    public void SequentialBatchesKeepOrder()
    {
        var batches = LengthBucketedBatcher.SequentialBatches(10, 4);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches);
    }
}
