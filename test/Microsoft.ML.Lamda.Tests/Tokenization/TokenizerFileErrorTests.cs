using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

/// <summary>Broken or missing tokenizer files give exceptions that name the file and the problem.</summary>
public class TokenizerFileErrorTests
{
    private static TException Load<TException>(TokenizerFolder folder) where TException : Exception =>
        Assert.Throws<TException>(() => PretrainedTokenizer.FromDirectory(folder.Path));

    [Fact]
    public void FolderWithoutTokenizerFilesListsWhatWasLookedFor()
    {
        using var folder = new TokenizerFolder().WithFile("config.json", """{"model_type": "bert"}""");
        var error = Load<FileNotFoundException>(folder);
        foreach (var file in new[] { "spm.model", "vocab.json", "merges.txt", "vocab.txt" }) Assert.Contains(file, error.Message);
    }

    [Fact]
    public void VocabJsonWithoutMergesSaysMergesAreMissing()
    {
        using var folder = new TokenizerFolder().WithFile("vocab.json", """{"a": 0}""");
        Assert.Contains("'merges.txt' is missing", Load<FileNotFoundException>(folder).Message);
    }

    [Fact]
    public void MissingFolderIsNamed() =>
        Assert.Contains("no-such-folder", Assert.Throws<DirectoryNotFoundException>(() => PretrainedTokenizer.FromDirectory("/tmp/no-such-folder")).Message);

    [Fact]
    public void CorruptVocabJsonIsNamed()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe().WithFile("vocab.json", """{"<s>": 0, "a": """);
        Assert.Contains("vocab.json", Load<InvalidDataException>(folder).Message);
    }

    [Fact]
    public void VocabJsonWithNonIntegerIdsIsNamed()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe().WithFile("vocab.json", """{"<s>": "zero"}""");
        Assert.Contains("vocab.json", Load<InvalidDataException>(folder).Message);
    }

    [Fact]
    public void BadMergeLineIsNamedWithItsNumber()
    {
        using var folder = new TokenizerFolder().WithByteLevelBpe().WithFile("merges.txt", "#version: 0.2\nĠ t\nthree parts here\n");
        var message = Load<InvalidDataException>(folder).Message;
        Assert.Contains("merges.txt", message);
        Assert.Contains("line 3", message);
    }

    [Fact]
    public void GarbageSentencePieceModelIsNamed()
    {
        using var folder = new TokenizerFolder().WithBytes("spm.model", [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 37 % 251))]);
        Assert.Contains("spm.model", Load<InvalidDataException>(folder).Message);
    }

    [Fact]
    public void VocabTxtWithoutTheUnknownTokenIsNamed()
    {
        using var folder = new TokenizerFolder().WithFile("vocab.txt", "[PAD]\n[CLS]\n[SEP]\nhello\n");
        var message = Load<InvalidDataException>(folder).Message;
        Assert.Contains("vocab.txt", message);
        Assert.Contains("[UNK]", message);
    }

    [Fact]
    public void BinaryVocabTxtIsNamed()
    {
        using var folder = new TokenizerFolder().WithBytes("vocab.txt", [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x0A, 0xFF]);
        Assert.Contains("vocab.txt", Load<InvalidDataException>(folder).Message);
    }

    [Fact]
    public void SpecialTokenMissingFromTheVocabularyIsNamed()
    {
        using var folder = new TokenizerFolder().WithBertVocabulary().WithFile("special_tokens_map.json", """{"cls_token": "<cls>"}""");
        var message = Load<InvalidDataException>(folder).Message;
        Assert.Contains("cls_token", message);
        Assert.Contains("<cls>", message);
    }

    [Fact]
    public void InvalidTokenizerConfigJsonIsNamed()
    {
        using var folder = new TokenizerFolder().WithBertVocabulary().WithFile("tokenizer_config.json", "{ do_lower_case: yes");
        Assert.Contains("tokenizer_config.json", Load<InvalidDataException>(folder).Message);
    }

    [Fact]
    public void WrongOptionTypeIsNamed()
    {
        using var folder = new TokenizerFolder().WithBertVocabulary().WithFile("tokenizer_config.json", """{"do_lower_case": "yes"}""");
        Assert.Contains("do_lower_case", Load<InvalidDataException>(folder).Message);
    }
}
