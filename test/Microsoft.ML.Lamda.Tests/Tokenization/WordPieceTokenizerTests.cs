using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

public class WordPieceTokenizerTests
{
    private const int Cls = 2, Sep = 3, Unk = 1;

    private static int Id(string token) => Array.IndexOf(TokenizerFolder.BertVocabulary, token);

    private static int[] Encode(string text, string? tokenizerConfig = null)
    {
        using var folder = new TokenizerFolder().WithBertVocabulary();
        if (tokenizerConfig is not null) folder.WithFile("tokenizer_config.json", tokenizerConfig);
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        Assert.Equal(TokenizerFamily.WordPiece, tokenizer.Family);
        return [.. tokenizer.Encode(text, null, 64).InputIds];
    }

    [Fact]
    public void LowerCasesAndSplitsPunctuationByDefault() =>
        Assert.Equal([Cls, Id("hello"), Id(","), Id("world"), Id("!"), Sep], Encode("Hello, World!"));

    [Fact]
    public void SplitsWordsIntoContinuationPieces() =>
        Assert.Equal([Cls, Id("un"), Id("##want"), Id("##ed"), Id("play"), Id("##ing"), Sep], Encode("unwanted playing"));

    [Fact]
    public void StripsAccentsWhenLowerCasing() => Assert.Equal([Cls, Id("cafe"), Sep], Encode("Café"));

    [Fact]
    public void KeepsAccentsWhenStripAccentsIsFalse() =>
        Assert.Equal([Cls, Id("café"), Sep], Encode("Café", """{"do_lower_case": true, "strip_accents": false}"""));

    [Fact]
    public void KeepsCaseAndAccentsWhenDoLowerCaseIsFalse()
    {
        Assert.Equal([Cls, Unk, Sep], Encode("Café", """{"do_lower_case": false}"""));
        Assert.Equal([Cls, Id("café"), Sep], Encode("café", """{"do_lower_case": false}"""));
        Assert.Equal([Cls, Unk, Id(","), Id("world"), Sep], Encode("Hello, world", """{"do_lower_case": false}"""));
    }

    [Fact]
    public void OutOfVocabularyCharactersBecomeTheUnknownToken()
    {
        // Each CJK ideograph is its own word; an emoji is not split off, so a word holding one is unknown as a whole.
        Assert.Equal([Cls, Id("漢"), Unk, Sep], Encode("漢字"));
        Assert.Equal([Cls, Id("the"), Unk, Id("the"), Sep], Encode("the 😀 the"));
        Assert.Equal([Cls, Unk, Sep], Encode("the😀the"));
        Assert.Equal([Cls, Unk, Sep], Encode("🙂🙃"));
    }

    [Fact]
    public void TabsAndLineBreaksSeparateWordsAndControlCharactersVanish() =>
        Assert.Equal([Cls, Id("a"), Id("the"), Id("movie"), Id("hello"), Sep], Encode("a\tthe\r\nmovie hel\u0000lo\u200B"));

    [Fact]
    public void PairUsesClsSepSepWithSegmentIds()
    {
        using var folder = new TokenizerFolder().WithBertVocabulary();
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        var encoded = tokenizer.Encode("hello world", "the movie", 64);
        Assert.Equal([Cls, Id("hello"), Id("world"), Sep, Id("the"), Id("movie"), Sep], encoded.InputIds);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1], encoded.TokenTypeIds);
        Assert.Equal(SpecialTokenLayout.Bert, tokenizer.Layout);
        Assert.Equal(0, tokenizer.PadTokenId);
        Assert.Equal(Unk, tokenizer.UnknownTokenId);
    }

    [Fact]
    public void SpecialTokensComeFromTheSideFilesWithSpecialTokensMapWinning()
    {
        using var folder = new TokenizerFolder().WithBertVocabulary()
            .WithFile("tokenizer_config.json", """{"pad_token": {"content": "[MASK]", "lstrip": false}, "cls_token": "[SEP]", "model_max_length": 128}""")
            .WithFile("special_tokens_map.json", """{"cls_token": "[CLS]", "pad_token": "[MASK]"}""");
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        Assert.Equal(Id("[MASK]"), tokenizer.PadTokenId);
        Assert.Equal(Cls, tokenizer.ClsTokenId);
        Assert.Equal(128, tokenizer.ModelMaxLength);
        Assert.Equal(
            new[] { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" },
            tokenizer.SourceFiles.Select(Path.GetFileName));
    }
}
