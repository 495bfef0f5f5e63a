using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

/// <summary>Behaviour shared by every family: empty text, truncation, and the choice of family from the files.</summary>
public class PretrainedTokenizerTests
{
    public static TheoryData<string> Families => new() { "wordpiece", "bpe", "sentencepiece" };

    private static TokenizerFolder Folder(string family)
    {
        var folder = new TokenizerFolder();
        return family switch
        {
            "wordpiece" => folder.WithBertVocabulary(),
            "bpe" => folder.WithByteLevelBpe(),
            _ => folder.WithBytes("spm.model", File.ReadAllBytes(Path.Combine(SentencePieceTokenizerTests.FixtureFolder, "spm.model"))),
        };
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void EmptyAndWhitespaceOnlyTextEncodeToTheSpecialTokensAlone(string family)
    {
        using var folder = Folder(family);
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        int[] expected = [tokenizer.ClsTokenId, tokenizer.SepTokenId];
        foreach (var text in new[] { null, "", "   ", " \t\r\n " })
        {
            var encoded = tokenizer.Encode(text, null, 16);
            Assert.Equal(expected, encoded.InputIds);
            Assert.Equal([0, 0], encoded.TokenTypeIds);
        }
        // An empty (not null) second text still makes a pair.
        int[] emptyPair = family == "bpe"
            ? [tokenizer.ClsTokenId, tokenizer.SepTokenId, tokenizer.SepTokenId, tokenizer.SepTokenId]
            : [tokenizer.ClsTokenId, tokenizer.SepTokenId, tokenizer.SepTokenId];
        Assert.Equal(emptyPair, tokenizer.Encode("", "", 16).InputIds);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void SingleTextIsCutToMaxLengthKeepingItsSpecialTokens(string family)
    {
        using var folder = Folder(family);
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        const string text = "the movie was great the movie was great the movie was great";
        var full = tokenizer.Encode(text, null, 512).InputIds;
        Assert.True(full.Count > 8);
        var cut = tokenizer.Encode(text, null, 8).InputIds;
        Assert.Equal([.. full.Take(7), tokenizer.SepTokenId], cut);
    }

    [Theory]
    [InlineData(10, 3, 8, 5, 3)]   // the shorter segment fits: the longer takes the rest
    [InlineData(3, 10, 8, 3, 5)]
    [InlineData(10, 10, 7, 3, 4)]  // both cut to half; the second gets the odd token
    [InlineData(12, 9, 7, 4, 3)]   // both cut to half; the longer (first) gets the odd token
    [InlineData(2, 3, 8, 2, 3)]    // no cut
    [InlineData(0, 20, 6, 0, 6)]
    public void LongestFirstMatchesHuggingFaceTokenizers(int first, int second, int budget, int expectedFirst, int expectedSecond) =>
        Assert.Equal((expectedFirst, expectedSecond), SequenceTemplate.LongestFirst(first, second, budget));

    [Fact]
    public void PairTruncationCutsTheLongerTextFirst()
    {
        using var folder = Folder("wordpiece");
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        var encoded = tokenizer.Encode("the movie was great , the movie was great", "hello world", 10);
        int[] expected = [2, 9, 10, 11, 12, 7, 3, 5, 6, 3]; // [CLS] the movie was great , [SEP] hello world [SEP]
        Assert.Equal(expected, encoded.InputIds);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], encoded.TokenTypeIds);
    }

    [Theory]
    [InlineData(null, 2)]
    [InlineData("pair", 3)]
    public void MaxLengthMustLeaveRoomBeyondTheSpecialTokens(string? pair, int maxLength)
    {
        using var folder = Folder("wordpiece");
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("hello", pair, maxLength));
        Assert.Contains("maxLength", error.Message);
    }

    [Theory]
    [InlineData("bert", TokenizerFamily.WordPiece, SpecialTokenLayout.Bert)]
    [InlineData("roberta", TokenizerFamily.ByteLevelBpe, SpecialTokenLayout.Roberta)]
    [InlineData("deberta-v2", TokenizerFamily.SentencePiece, SpecialTokenLayout.Bert)]
    [InlineData(null, TokenizerFamily.SentencePiece, SpecialTokenLayout.Bert)]
    public void ModelTypeChoosesAmongSeveralTokenizerFiles(string? modelType, TokenizerFamily family, SpecialTokenLayout layout)
    {
        using var folder = Folder("sentencepiece").WithBertVocabulary().WithByteLevelBpe();
        if (modelType is not null) folder.WithFile("config.json", $$"""{"model_type": "{{modelType}}"}""");
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        Assert.Equal(family, tokenizer.Family);
        Assert.Equal(layout, tokenizer.Layout);
    }
}
