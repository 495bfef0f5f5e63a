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
    /// <c>strip_accents</c> says so, and otherwise whenever text is lower-cased, as in Hugging Face.
    /// </summary>
    public static WordPieceEncoder Create(string directory, string unknownToken, TokenizerSettings settings)
    {
        string path = Path.Combine(directory, VocabFile);
        var vocabulary = ReadVocabulary(path);
        if (!vocabulary.ContainsKey(unknownToken))
            throw new InvalidDataException($"'{path}' has no line for the unknown token '{unknownToken}' (unk_token); is this a WordPiece vocabulary?");
        bool lowerCase = settings.Flag("do_lower_case") ?? true;
        var basic = new BertBasicTokenizer(lowerCase, settings.Flag("strip_accents") ?? lowerCase, settings.Flag("tokenize_chinese_chars") ?? true);
        WordPieceTokenizer wordPiece;
        using (var stream = File.OpenRead(path))
            wordPiece = WordPieceTokenizer.Create(stream, new WordPieceOptions { UnknownToken = unknownToken, ContinuingSubwordPrefix = "##", MaxInputCharsPerWord = 100 });
        return new WordPieceEncoder(path, vocabulary, basic, wordPiece);
    }

    public IReadOnlyList<int> Encode(string text) => _wordPiece.EncodeToIds(_basic.Split(text));

    public int MaxId => _vocabulary.Values.Max();

    public bool TryGetId(string token, out int id) => _vocabulary.TryGetValue(token, out id);

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
