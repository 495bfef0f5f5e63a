using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

/// <summary>Against ids from the SentencePiece library itself (spm_encode); see Fixtures/tokenizers/debertav3-tiny/README.md.</summary>
public class SentencePieceTokenizerTests
{
    private const int Pad = 0, Cls = 1, Sep = 2, Unk = 3;

    internal static readonly string FixtureFolder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers", "debertav3-tiny");

    private static readonly PretrainedTokenizer Tokenizer = PretrainedTokenizer.FromDirectory(FixtureFolder);

    public static TheoryData<string, int[]> SpmEncodeReference => new()
    {
        { "The quick brown fox jumps over the lazy dog.", [21, 4, 139, 15, 11, 133, 43, 34, 24, 83, 51, 14, 72, 4, 152, 97, 25, 5, 39, 88, 6, 67, 124, 12, 81, 7] },
        { "  the movie was great  ", [6, 73, 23, 5, 4, 57, 20, 13] },
        // Unknown characters: one [UNK] per run ("漢字" is a single unknown piece).
        { "Émoji 😀 and 漢字 here", [4, 3, 30, 14, 152, 11, 4, 3, 10, 22, 4, 3, 4, 52, 8, 20] },
        // NFKC normalization folds full-width letters.
        { "ｆｕｌｌ width", [4, 80, 29, 26, 11, 19, 106] },
        { "Is this sentence a paraphrase of that one?", [75, 5, 17, 16, 42, 108, 59, 8, 10, 109, 40, 52, 24, 46, 39, 44, 17, 13, 38, 8, 70] },
    };

    [Theory]
    [MemberData(nameof(SpmEncodeReference))]
    public void MatchesSpmEncode(string text, int[] spmIds)
    {
        Assert.Equal(TokenizerFamily.SentencePiece, Tokenizer.Family);
        Assert.Equal([Cls, .. spmIds, Sep], Tokenizer.Encode(text, null, 128).InputIds);
    }

    [Fact]
    public void ReadsDebertaV3SpecialTokens()
    {
        Assert.Equal((Cls, Sep, Pad, Unk), (Tokenizer.ClsTokenId, Tokenizer.SepTokenId, Tokenizer.PadTokenId, Tokenizer.UnknownTokenId));
        Assert.Equal(SpecialTokenLayout.Bert, Tokenizer.Layout);
        Assert.Equal(512, Tokenizer.ModelMaxLength);
        Assert.Equal(
            new[] { "spm.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json" },
            Tokenizer.SourceFiles.Select(Path.GetFileName));
    }

    [Fact]
    public void PairUsesClsSepSepWithSegmentIds()
    {
        var encoded = Tokenizer.Encode("  the movie was great  ", "ｆｕｌｌ width", 128);
        Assert.Equal([Cls, 6, 73, 23, 5, 4, 57, 20, 13, Sep, 4, 80, 29, 26, 11, 19, 106, Sep], encoded.InputIds);
        Assert.Equal([.. Enumerable.Repeat(0, 10), .. Enumerable.Repeat(1, 8)], encoded.TokenTypeIds);
    }

    [Fact]
    public void AddedTokensResolveSpecialTokensOutsideTheModel()
    {
        using var folder = new TokenizerFolder()
            .WithBytes("spm.model", File.ReadAllBytes(Path.Combine(FixtureFolder, "spm.model")))
            .WithFile("added_tokens.json", """{"<pad-extra>": 160}""")
            .WithFile("special_tokens_map.json", """{"pad_token": "<pad-extra>"}""");
        Assert.Equal(160, PretrainedTokenizer.FromDirectory(folder.Path).PadTokenId);
    }

    [Fact]
    public void DoLowerCaseLowersBeforeTheModel()
    {
        using var folder = new TokenizerFolder()
            .WithBytes("spm.model", File.ReadAllBytes(Path.Combine(FixtureFolder, "spm.model")))
            .WithFile("tokenizer_config.json", """{"do_lower_case": true}""");
        var lowered = PretrainedTokenizer.FromDirectory(folder.Path).Encode("THE MOVIE WAS GREAT", null, 128).InputIds;
        Assert.Equal([Cls, 6, 73, 23, 5, 4, 57, 20, 13, Sep], lowered);
    }
}
