using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Lamda.Samples.OnnxScoring;

/// <summary>
/// Encodes texts as the exported model expects, with Microsoft.ML.Tokenizers over the exported tokenizer files:
/// subword ids, the special tokens of the manifest's templates, longest-first truncation to the maximum length,
/// right padding to that length.
/// </summary>
public sealed class TextEncoder
{
    private readonly Func<string, IReadOnlyList<int>> _encode;
    private readonly ExportManifest _manifest;

    public TextEncoder(ExportManifest manifest)
    {
        _manifest = manifest;
        var directory = manifest.Directory;
        switch (manifest.TokenizerType)
        {
            case "WordPiece":
                var lowerCase = Flag(directory, "do_lower_case") ?? true;
                var bert = BertTokenizer.Create(Path.Combine(directory, "vocab.txt"), new BertOptions
                {
                    LowerCaseBeforeTokenization = lowerCase,
                    RemoveNonSpacingMarks = Flag(directory, "strip_accents") ?? lowerCase,
                    IndividuallyTokenizeCjk = Flag(directory, "tokenize_chinese_chars") ?? true,
                });
                _encode = text => bert.EncodeToIds(text, addSpecialTokens: false);
                break;
            case "SentencePiece":
                using (var stream = File.OpenRead(Path.Combine(directory, "spm.model")))
                {
                    var sentencePiece = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
                    var lower = Flag(directory, "do_lower_case") ?? false;
                    _encode = text => sentencePiece.EncodeToIds(lower ? text.ToLowerInvariant() : text, addBeginningOfSentence: false, addEndOfSentence: false);
                }
                break;
            case "ByteLevelBpe":
                _encode = ByteLevelBpe(manifest);
                break;
            default:
                throw new NotSupportedException($"This sample tokenizes WordPiece, SentencePiece and ByteLevelBpe models; '{manifest.OnnxPath}' uses {manifest.TokenizerType}.");
        }
    }

    /// <summary>Ids, mask and token types of one text or pair, each of the manifest's maximum length.</summary>
    public (long[] Ids, long[] Mask, long[] Types) Encode(string? first, string? second)
    {
        var a = Segment(first);
        var b = second is null ? null : Segment(second);
        var special = b is null ? 2 : _manifest.DoubleSeparator ? 4 : 3;
        var budget = _manifest.MaxLength - special;
        var (countA, countB) = b is null ? (Math.Min(a.Count, budget), 0) : LongestFirst(a.Count, b.Count, budget);
        var ids = new List<long> { _manifest.ClsTokenId };
        ids.AddRange(a.Take(countA).Select(id => (long)id));
        ids.Add(_manifest.SepTokenId);
        var secondStart = ids.Count;
        if (b is not null)
        {
            if (_manifest.DoubleSeparator) { ids.Add(_manifest.SepTokenId); secondStart++; }
            ids.AddRange(b.Take(countB).Select(id => (long)id));
            ids.Add(_manifest.SepTokenId);
        }
        var (paddedIds, mask, types) = (new long[_manifest.MaxLength], new long[_manifest.MaxLength], new long[_manifest.MaxLength]);
        for (int i = 0; i < paddedIds.Length; i++)
        {
            var inside = i < ids.Count;
            paddedIds[i] = inside ? ids[i] : _manifest.PadTokenId;
            mask[i] = inside ? 1 : 0;
            types[i] = inside && b is not null && !_manifest.DoubleSeparator && i >= secondStart ? 1 : 0;
        }
        return (paddedIds, mask, types);
    }

    /// <summary>RoBERTa: GPT-2's byte-level BPE over <c>vocab.json</c> and <c>merges.txt</c>, with GPT-2's pre-tokenization.</summary>
    private static Func<string, IReadOnlyList<int>> ByteLevelBpe(ExportManifest manifest)
    {
        var directory = manifest.Directory;
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(Path.Combine(directory, "vocab.json")))!;
        var merges = File.ReadLines(Path.Combine(directory, "merges.txt"))
            .Where((line, index) => line.Length > 0 && !(index == 0 && line.StartsWith("#version", StringComparison.Ordinal))).ToList();
        var unknown = manifest.UnknownTokenId is int id ? vocabulary.FirstOrDefault(pair => pair.Value == id).Key : null;
        var bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new Regex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.Compiled), specialTokens: null),
            UnknownToken = unknown,
        });
        var addPrefixSpace = Flag(directory, "add_prefix_space") ?? false;
        return text => bpe.EncodeToIds(addPrefixSpace && !char.IsWhiteSpace(text[0]) ? " " + text : text);
    }

    private IReadOnlyList<int> Segment(string? text) => string.IsNullOrWhiteSpace(text) ? [] : _encode(text);

    /// <summary>Hugging Face's longest-first pair truncation: the shorter text stays whole when it fits in half the budget.</summary>
    private static (int, int) LongestFirst(int first, int second, int budget)
    {
        if (first + second <= budget) return (first, second);
        bool swap = first > second;
        int shorter = swap ? second : first;
        int longer = shorter > budget ? shorter : Math.Max(shorter, budget - shorter);
        if (shorter + longer > budget) { shorter = budget / 2; longer = shorter + budget % 2; }
        return swap ? (Math.Min(first, longer), Math.Min(second, shorter)) : (Math.Min(first, shorter), Math.Min(second, longer));
    }

    private static bool? Flag(string directory, string key)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        if (!File.Exists(path)) return null;
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.TryGetProperty(key, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;
    }
}
