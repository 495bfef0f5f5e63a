using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>BERT: <see cref="BertBasicTokenizer"/> then Microsoft.ML.Tokenizers' WordPiece over <c>vocab.txt</c>.</summary>
internal sealed class WordPieceEncoder : ISubwordEncoder
{
    internal const string VocabFile = "vocab.txt";

    private readonly Dictionary<string, int> _vocabulary;
    private readonly BertBasicTokenizer _basic;
    private readonly WordPieceTokenizer _wordPiece;

    private WordPieceEncoder(string vocabPath, Dictionary<string, int> vocabulary, BertBasicTokenizer basic, WordPieceTokenizer wordPiece)
    {
        SourceFiles = [vocabPath];
        _vocabulary = vocabulary;
        _basic = basic;
        _wordPiece = wordPiece;
    }

    public TokenizerFamily Family => TokenizerFamily.WordPiece;

    public IReadOnlyList<string> SourceFiles { get; }

    /// <summary>
    /// Reads <c>vocab.txt</c> (one token per line, the line number is the id). Accents are stripped when
    /// <c>strip_accents</c> says so, and otherwise whenever text is lower-cased, as in Hugging Face. Without a
    /// <c>tokenizer_config.json</c>, lower-casing is inferred from the vocabulary (reported to <paramref name="log"/>):
    /// an uncased vocabulary has no entry that lower-casing changes, special tokens in brackets aside.
    /// </summary>
    public static WordPieceEncoder Create(string directory, string unknownToken, TokenizerSettings settings, Action<string>? log = null)
    {
        string path = Path.Combine(directory, VocabFile);
        var vocabulary = ReadVocabulary(path);
        if (!vocabulary.ContainsKey(unknownToken))
            throw new InvalidDataException($"'{path}' has no line for the unknown token '{unknownToken}' (unk_token); is this a WordPiece vocabulary?");
        bool lowerCase = settings.Flag("do_lower_case") ?? (File.Exists(Path.Combine(directory, TokenizerSettings.TokenizerConfigFile)) || InferLowerCase(vocabulary, path, log));
        var basic = new BertBasicTokenizer(lowerCase, settings.Flag("strip_accents") ?? lowerCase, settings.Flag("tokenize_chinese_chars") ?? true);
        WordPieceTokenizer wordPiece;
        using (var stream = File.OpenRead(path))
            wordPiece = WordPieceTokenizer.Create(stream, new WordPieceOptions { UnknownToken = unknownToken, ContinuingSubwordPrefix = "##", MaxInputCharsPerWord = 100 });
        return new WordPieceEncoder(path, vocabulary, basic, wordPiece);
    }

    public IReadOnlyList<int> Encode(string text) => _wordPiece.EncodeToIds(_basic.Split(text));

    public int MaxId => _vocabulary.Values.Max();

    public bool TryGetId(string token, out int id) => _vocabulary.TryGetValue(token, out id);

    /// <summary>Whether <paramref name="vocabulary"/> is uncased: no entry (outside [..] and &lt;..&gt; special tokens) changes when lower-cased.</summary>
    internal static bool InferLowerCase(IReadOnlyDictionary<string, int> vocabulary, string path, Action<string>? log)
    {
        var cased = vocabulary.Keys.FirstOrDefault(token => !IsBracketed(token) && !string.Equals(token, token.ToLowerInvariant(), StringComparison.Ordinal));
        log?.Invoke(cased is null
            ? $"'{path}' comes without {TokenizerSettings.TokenizerConfigFile} and has no upper-case entries: the vocabulary is uncased, so text is lower-cased and accents are stripped."
            : $"'{path}' comes without {TokenizerSettings.TokenizerConfigFile} and has upper-case entries (e.g. '{cased}'): the vocabulary is cased, so text keeps its case.");
        return cased is null;
    }

    private static bool IsBracketed(string token) => token.Length > 2 && (token[0] == '[' && token[^1] == ']' || token[0] == '<' && token[^1] == '>');

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"'{path}' is empty; a WordPiece vocabulary has one token per line.");
        var vocabulary = new Dictionary<string, int>(lines.Length, StringComparer.Ordinal);
        for (int id = 0; id < lines.Length; id++)
        {
            if (lines[id].Contains('\0'))
                throw new InvalidDataException($"'{path}' line {id + 1} holds a NUL character; the file is not a text vocabulary (one token per line).");
            if (!vocabulary.TryAdd(lines[id], id))
                throw new InvalidDataException($"'{path}' line {id + 1} repeats the token '{lines[id]}' of line {vocabulary[lines[id]] + 1}; a WordPiece vocabulary holds each token once.");
        }
        return vocabulary;
    }
}
