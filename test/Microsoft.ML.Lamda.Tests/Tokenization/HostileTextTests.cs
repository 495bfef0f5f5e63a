using System.Diagnostics;
using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

/// <summary>
/// Texts a tokenizer must survive, for every family: NUL characters, unpaired surrogates and 1 MB texts. Documented
/// behaviour: NUL and other control characters are dropped (WordPiece, as BERT does) or become the unknown token;
/// an unpaired surrogate becomes the unknown token or U+FFFD's bytes; nothing throws, every id lies in the
/// vocabulary, the result never exceeds maxLength, and a 1 MB text takes well under a few seconds.
/// </summary>
public sealed class HostileTextTests
{
    private const int MaxLength = 64;

    public static TheoryData<string> Families => ["WordPiece", "ByteLevelBpe", "SentencePiece"];

    private static (PretrainedTokenizer Tokenizer, TokenizerFolder? Folder) Load(string family)
    {
        if (family == "SentencePiece") return (PretrainedTokenizer.FromDirectory(SentencePieceTokenizerTests.FixtureFolder), null);
        var folder = family == "WordPiece" ? new TokenizerFolder().WithBertVocabulary() : new TokenizerFolder().WithByteLevelBpe();
        return (PretrainedTokenizer.FromDirectory(folder.Path), folder);
    }

    private static void AssertValid(PretrainedTokenizer tokenizer, EncodedText encoded)
    {
        Assert.InRange(encoded.Length, 2, MaxLength);
        Assert.All(encoded.InputIds, id => Assert.InRange(id, 0, tokenizer.MaxTokenId));
        Assert.Equal(tokenizer.ClsTokenId, encoded.InputIds[0]);
        Assert.Equal(tokenizer.SepTokenId, encoded.InputIds[^1]);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void NulCharactersAreDroppedOrUnknown(string family)
    {
        var (tokenizer, folder) = Load(family);
        using var _ = folder;
        var plain = tokenizer.Encode("hello world", null, MaxLength);
        var withNul = tokenizer.Encode("hello\0 world\0", null, MaxLength);
        AssertValid(tokenizer, withNul);
        AssertValid(tokenizer, tokenizer.Encode("\0\0\0", "\0", MaxLength));
        if (family == "WordPiece") Assert.Equal(plain.InputIds, withNul.InputIds);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void UnpairedSurrogatesEncodeToVocabularyIds(string family)
    {
        var (tokenizer, folder) = Load(family);
        using var _ = folder;
        AssertValid(tokenizer, tokenizer.Encode("hello \uD800 world", null, MaxLength));
        AssertValid(tokenizer, tokenizer.Encode("\uDC00hello", "world\uD83D", MaxLength));
        AssertValid(tokenizer, tokenizer.Encode("\uDFFF\uD800", null, MaxLength));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void OneMegabyteTextsAreTruncatedQuickly(string family)
    {
        var (tokenizer, folder) = Load(family);
        using var _ = folder;
        const int Megabyte = 1 << 20;
        var words = string.Concat(Enumerable.Repeat("hello world ", Megabyte / 12));
        var oneWord = new string('a', Megabyte);
        var clock = Stopwatch.StartNew();
        var encodedWords = tokenizer.Encode(words, null, MaxLength);
        var encodedWord = tokenizer.Encode(oneWord, words, MaxLength);
        clock.Stop();
        AssertValid(tokenizer, encodedWords);
        AssertValid(tokenizer, encodedWord);
        Assert.Equal(MaxLength, encodedWords.Length);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{family}: three 1 MB texts took {clock.Elapsed.TotalSeconds:F1} s");
    }
}
