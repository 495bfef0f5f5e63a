using Microsoft.ML.Lamda.Tokenization;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

public class TokenBatchTests
{
    [Fact]
    public void PadsToTheLongestRowWithPadIdMaskAndTokenTypes()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe();
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        var rows = new[] { tokenizer.Encode("new", null, 32), tokenizer.Encode("the lower new", null, 32), tokenizer.Encode(null, null, 32) };
        using var batch = tokenizer.Collate(rows, torch.CPU);

        Assert.Equal((3, 6), (batch.BatchSize, batch.SequenceLength));
        foreach (var tensor in new[] { batch.InputIds, batch.AttentionMask, batch.TokenTypeIds })
        {
            Assert.Equal(torch.ScalarType.Int64, tensor.dtype);
            Assert.Equal(new long[] { 3, 6 }, tensor.shape);
        }
        for (int r = 0; r < rows.Length; r++)
        {
            long[] ids = batch.InputIds[r].data<long>().ToArray();
            long[] mask = batch.AttentionMask[r].data<long>().ToArray();
            Assert.Equal([.. rows[r].InputIds.Select(i => (long)i), .. Enumerable.Repeat((long)tokenizer.PadTokenId, 6 - rows[r].Length)], ids);
            Assert.Equal([.. Enumerable.Repeat(1L, rows[r].Length), .. Enumerable.Repeat(0L, 6 - rows[r].Length)], mask);
        }
    }

    [Fact]
    public void CarriesSegmentIdsOfPairs()
    {
        using var folder = new TokenizerFolder().WithBertVocabulary();
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        using var batch = tokenizer.Collate([tokenizer.Encode("hello", "world", 16), tokenizer.Encode("hello", null, 16)], torch.CPU);
        Assert.Equal([0L, 0, 0, 1, 1, 0, 0, 0, 0, 0], batch.TokenTypeIds.data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 1, 1, 1, 1, 1, 0, 0], batch.AttentionMask.data<long>().ToArray());
    }

    [Fact]
    public void RejectsAnEmptyListOfRows()
    {
        using var folder = new TokenizerFolder().WithBertVocabulary();
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        Assert.Throws<ArgumentException>(() => tokenizer.Collate([], torch.CPU));
    }
}
