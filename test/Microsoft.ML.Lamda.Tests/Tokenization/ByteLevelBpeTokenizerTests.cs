using System.Text;
using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

public class ByteLevelBpeTokenizerTests
{
    private const int Bos = 0, Pad = 1, Eos = 2, Unk = 3;

    private static int B(char c) => TokenizerFolder.ByteId((byte)c);

    private static int M(string symbol) => TokenizerFolder.MergedId(symbol);

    private static PretrainedTokenizer Load(TokenizerFolder folder)
    {
        var tokenizer = PretrainedTokenizer.FromDirectory(folder.Path);
        Assert.Equal(TokenizerFamily.ByteLevelBpe, tokenizer.Family);
        return tokenizer;
    }

    [Fact]
    public void AppliesMergesWithoutPrefixSpaceOnTheFirstWord()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe();
        var ids = Load(folder).Encode("the lower new", null, 64).InputIds;
        // "the" has no leading space, so only "h e" applies; the later words carry "Ġ" and merge fully.
        Assert.Equal([Bos, B('t'), M("he"), M("Ġlower"), M("Ġnew"), Eos], ids);
    }

    [Fact]
    public void AddPrefixSpaceMakesTheFirstWordLikeTheOthers()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe().WithFile("tokenizer_config.json", """{"add_prefix_space": true}""");
        Assert.Equal([Bos, M("Ġthe"), M("Ġlower"), Eos], Load(folder).Encode("the lower", null, 64).InputIds);
    }

    [Fact]
    public void SplitsContractionsAndKeepsExtraSpacesAsTheirOwnSymbols()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe();
        var tokenizer = Load(folder);
        Assert.Equal([Bos, B('i'), B('t'), B('\''), B('s'), Eos], tokenizer.Encode("it's", null, 64).InputIds);
        Assert.Equal([Bos, M("low"), M("er"), TokenizerFolder.ByteId((byte)' '), M("Ġnew"), Eos], tokenizer.Encode("lower  new", null, 64).InputIds);
    }

    [Fact]
    public void CharactersOutsideAsciiBecomeTheirUtf8Bytes()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe();
        var expected = new List<int> { Bos };
        expected.AddRange(Encoding.UTF8.GetBytes("😀漢").Select(TokenizerFolder.ByteId));
        expected.Add(Eos);
        Assert.Equal(expected, Load(folder).Encode("😀漢", null, 64).InputIds);
    }

    [Fact]
    public void BytesMissingFromTheVocabularyBecomeTheUnknownToken()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe(skipBytes: [(byte)'x']);
        var tokenizer = Load(folder);
        Assert.Equal(Unk, tokenizer.UnknownTokenId);
        Assert.Equal([Bos, B('a'), Unk, B('b'), Eos], tokenizer.Encode("axb", null, 64).InputIds);
    }

    [Fact]
    public void PairUsesDoubleSeparatorAndTokenTypeZero()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe();
        var tokenizer = Load(folder);
        var encoded = tokenizer.Encode("new", "lower", 64);
        Assert.Equal([Bos, B('n'), B('e'), B('w'), Eos, Eos, M("low"), M("er"), Eos], encoded.InputIds);
        Assert.All(encoded.TokenTypeIds, type => Assert.Equal(0, type));
        Assert.Equal(SpecialTokenLayout.Roberta, tokenizer.Layout);
        Assert.Equal(Pad, tokenizer.PadTokenId);
    }

    [Fact]
    public void ModelTypeDebertaKeepsBpeButUsesTheBertLayout()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe()
            .WithFile("config.json", """{"model_type": "deberta"}""")
            .WithFile("special_tokens_map.json", """{"cls_token": "<s>", "sep_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}""");
        var tokenizer = Load(folder);
        var encoded = tokenizer.Encode("new", "new", 64);
        Assert.Equal(SpecialTokenLayout.Bert, tokenizer.Layout);
        Assert.Equal([Bos, B('n'), B('e'), B('w'), Eos, B('n'), B('e'), B('w'), Eos], encoded.InputIds);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], encoded.TokenTypeIds);
        Assert.DoesNotContain(tokenizer.SourceFiles, file => Path.GetFileName(file) == "config.json");
    }
}
