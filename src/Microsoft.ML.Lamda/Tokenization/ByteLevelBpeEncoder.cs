using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>
/// GPT-2 / RoBERTa byte-level BPE over <c>vocab.json</c> + <c>merges.txt</c>: GPT-2's word regex, then UTF-8 bytes
/// mapped to printable characters (a space becomes <c>Ġ</c>), then the merges, through Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/>. As in Hugging Face's RobertaTokenizer, no space is put before the first word unless
/// tokenizer_config.json sets <c>add_prefix_space</c>.
/// </summary>
internal sealed partial class ByteLevelBpeEncoder : ISubwordEncoder
{
    internal const string VocabFile = "vocab.json";
    internal const string MergesFile = "merges.txt";

    private readonly Dictionary<string, int> _vocabulary;
    private readonly BpeTokenizer _bpe;
    private readonly bool _addPrefixSpace;

    private ByteLevelBpeEncoder(IReadOnlyList<string> sourceFiles, Dictionary<string, int> vocabulary, BpeTokenizer bpe, bool addPrefixSpace)
    {
        SourceFiles = sourceFiles;
        _vocabulary = vocabulary;
        _bpe = bpe;
        _addPrefixSpace = addPrefixSpace;
    }

    public TokenizerFamily Family => TokenizerFamily.ByteLevelBpe;

    public IReadOnlyList<string> SourceFiles { get; }

    /// <summary>Reads and checks both files, then builds the BPE model.</summary>
    public static ByteLevelBpeEncoder Create(string directory, string unknownToken, TokenizerSettings settings)
    {
        string vocabPath = Path.Combine(directory, VocabFile);
        string mergesPath = Path.Combine(directory, MergesFile);
        var vocabulary = ReadVocabulary(vocabPath);
        var merges = ReadMerges(mergesPath);
        var options = new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(Gpt2WordRegex(), specialTokens: null),
            UnknownToken = vocabulary.ContainsKey(unknownToken) ? unknownToken : null,
        };
        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(options);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"'{vocabPath}' and '{mergesPath}' do not form a BPE model: {e.Message}", e);
        }
        return new ByteLevelBpeEncoder([vocabPath, mergesPath], vocabulary, bpe, settings.Flag("add_prefix_space") ?? false);
    }

    public IReadOnlyList<int> Encode(string text)
    {
        if (_addPrefixSpace && !char.IsWhiteSpace(text[0])) text = " " + text;
        return _bpe.EncodeToIds(text);
    }

    public int MaxId => _vocabulary.Values.Max();

    public bool TryGetId(string token, out int id) => _vocabulary.TryGetValue(token, out id);

    /// <summary>GPT-2's pre-tokenization pattern (contractions, letters, digits, other symbols, whitespace runs).</summary>
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2WordRegex();

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        Dictionary<string, int>? vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a BPE vocabulary (a JSON object mapping each token to an integer id): {e.Message}", e);
        }
        if (vocabulary is null || vocabulary.Count == 0)
            throw new InvalidDataException($"'{path}' holds no tokens; expected a JSON object mapping each token to an integer id.");
        return vocabulary;
    }

    /// <summary>One merge per line, two space-separated symbols; a leading <c>#version</c> line and blank lines are skipped.</summary>
    private static List<string> ReadMerges(string path)
    {
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new InvalidDataException($"'{path}' line {lineNumber} is not a merge: expected two symbols separated by one space, found \"{Shorten(line)}\".");
            merges.Add(line);
        }
        return merges;
    }

    private static string Shorten(string line) => line.Length <= 40 ? line : line[..40] + "...";
}
