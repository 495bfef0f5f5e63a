using Microsoft.ML.Lamda.Pretraining;
using Microsoft.ML.Lamda.Training;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Pretraining;

public class MaskedBatchTests
{
    private const int Pad = 0, Cls = 1, Sep = 2, Mask = 4, FirstOrdinary = 5, VocabSize = 1000;

    private static readonly MaskingVocabulary Vocabulary = new(new HashSet<int> { Pad, Cls, Sep }, Mask, FirstOrdinary, VocabSize);

    [Fact]
    public void Mask_PredictsFifteenPercentOfOrdinaryTokensWithTheEightyTenTenSplit()
    {
        // 64 blocks of [CLS] + 126 ordinary tokens (a [SEP] every 20th) + [SEP].
        var blocks = Enumerable.Range(0, 64).Select(row => Enumerable.Range(0, 128).Select(column =>
            column == 0 ? Cls : column == 127 || column % 20 == 0 ? Sep : FirstOrdinary + (row * 131 + column * 7) % (VocabSize - FirstOrdinary)).ToArray()).ToArray();

        using var batch = Vocabulary.Mask(blocks, new Random(3), torch.CPU);

        var original = blocks.SelectMany(b => b).ToArray();
        var masked = batch.InputIds.data<long>().ToArray();
        var positions = batch.Positions.data<long>().ToArray();
        var targets = batch.Targets.data<long>().ToArray();
        var ordinary = original.Count(id => id >= FirstOrdinary);

        Assert.All(positions, p => Assert.True(original[p] >= FirstOrdinary, $"special token at {p} was chosen"));
        Assert.Equal(positions.Select(p => (long)original[p]), targets);
        Assert.InRange(positions.Length / (double)ordinary, 0.13, 0.17);
        Assert.InRange(positions.Count(p => masked[p] == Mask) / (double)positions.Length, 0.76, 0.84);
        Assert.InRange(positions.Count(p => masked[p] == original[p]) / (double)positions.Length, 0.07, 0.13);
        Assert.All(positions.Where(p => masked[p] != Mask), p => Assert.InRange(masked[p], FirstOrdinary, VocabSize - 1));
        var chosen = positions.ToHashSet();
        Assert.All(Enumerable.Range(0, original.Length).Where(i => !chosen.Contains(i)), i => Assert.Equal(original[i], masked[i]));
        Assert.Equal([64L, 128L], batch.AttentionMask.shape);
    }

    [Fact]
    public void Mask_RejectsBlocksOfDifferentLengths() =>
        Assert.Throws<ArgumentException>(() => Vocabulary.Mask([[Cls, 7, Sep], [Cls, Sep]], new Random(1), torch.CPU));

    [Theory]
    [InlineData(0.01, 0.1)]
    [InlineData(0.1, 1.0)]
    [InlineData(0.55, 0.5)]
    [InlineData(1.0, 0.0)]
    [InlineData(1.5, 0.0)]
    public void ScheduleOverProgress_WarmsUpThenDecaysToZero(double progress, double expected)
        => Assert.InRange(LinearWarmupDecaySchedule.MultiplierAt(progress, warmupFraction: 0.1), expected - 1e-12, expected + 1e-12);

    [Theory]
    [InlineData(1, null, 0.25)]
    [InlineData(5, 10, 0.5)]
    [InlineData(1, 10, 0.25)]
    public void Progress_FollowsWhicheverLimitIsFurtherAlong(int minutes, int? budgetMinutes, double expected)
    {
        var settings = new PretrainingSettings(100, 8, 1e-3, 0.1, 0.01, 1, 10, 10, 10, budgetMinutes is { } b ? TimeSpan.FromMinutes(b) : null);
        Assert.InRange(settings.Progress(25, TimeSpan.FromMinutes(minutes)), expected - 1e-12, expected + 1e-12);
    }
}
