using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>
/// The tokenizer of a Hugging Face checkpoint folder, chosen from the files there: <c>spm.model</c> (SentencePiece,
/// DeBERTa-v3), <c>vocab.json</c> + <c>merges.txt</c> (byte-level BPE, RoBERTa) or <c>vocab.txt</c> (WordPiece, BERT),
/// with the special tokens and options of <c>tokenizer_config.json</c>, <c>special_tokens_map.json</c> and
/// <c>added_tokens.json</c> where present. Encodes text (or text pairs) to ids framed by special tokens, and pads
/// encoded rows into int64 tensor batches.
/// </summary>
public sealed class PretrainedTokenizer
{
    private static readonly string[] RobertaLikeModelTypes = ["roberta", "xlm-roberta", "camembert", "longformer", "bart", "mpnet", "data2vec-text"];
    private static readonly string[] BertLikeModelTypes = ["bert", "distilbert", "electra", "mobilebert"];

    private readonly ISubwordEncoder _encoder;
    private readonly SequenceTemplate _template;

    private PretrainedTokenizer(ISubwordEncoder encoder, SpecialTokenLayout layout, int clsTokenId, int sepTokenId, int padTokenId,
        int? unknownTokenId, TokenizerSettings settings)
    {
        _encoder = encoder;
        _template = new SequenceTemplate(layout, clsTokenId, sepTokenId);
        Layout = layout;
        ClsTokenId = clsTokenId;
        SepTokenId = sepTokenId;
        PadTokenId = padTokenId;
        UnknownTokenId = unknownTokenId;
        ModelMaxLength = settings.ModelMaxLength;
        MaxTokenId = new[] { encoder.MaxId, settings.MaxAddedTokenId, clsTokenId, sepTokenId, padTokenId, unknownTokenId ?? -1 }.Max();
        SourceFiles = [.. encoder.SourceFiles, .. settings.FilesRead];
    }

    /// <summary>The subword algorithm.</summary>
    public TokenizerFamily Family => _encoder.Family;

    /// <summary>How special tokens frame texts and pairs.</summary>
    public SpecialTokenLayout Layout { get; }

    /// <summary>Id of the token that starts every sequence (<c>[CLS]</c> or <c>&lt;s&gt;</c>).</summary>
    public int ClsTokenId { get; }

    /// <summary>Id of the separator token (<c>[SEP]</c> or <c>&lt;/s&gt;</c>).</summary>
    public int SepTokenId { get; }

    /// <summary>Id used to pad rows in <see cref="Collate"/>.</summary>
    public int PadTokenId { get; }

    /// <summary>Id that unknown characters map to; null for a byte-level BPE vocabulary without one (it needs none).</summary>
    public int? UnknownTokenId { get; }

    /// <summary>tokenizer_config.json's <c>model_max_length</c>, or null when the checkpoint declares none.</summary>
    public int? ModelMaxLength { get; }

    /// <summary>The largest token id the tokenizer can produce (vocabulary, added and special tokens).</summary>
    public int MaxTokenId { get; }

    /// <summary>Every tokenizer file that was read (vocabularies and JSON side files; not config.json), to copy into a saved model.</summary>
    public IReadOnlyList<string> SourceFiles { get; }

    /// <summary>Builds the tokenizer of the checkpoint folder <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds none of the tokenizer files (the message lists what was looked for).</exception>
    /// <exception cref="InvalidDataException">A tokenizer file does not parse, or a special token is missing from the vocabulary.</exception>
    public static PretrainedTokenizer FromDirectory(string directory) => FromDirectory(directory, null);

    /// <summary>
    /// As <see cref="FromDirectory(string)"/>, reporting to <paramref name="log"/> what was inferred rather than read
    /// (lower-casing of a WordPiece vocabulary without <c>tokenizer_config.json</c>).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds none of the tokenizer files (the message lists what was looked for).</exception>
    /// <exception cref="InvalidDataException">A tokenizer file does not parse, or a special token is missing from the vocabulary.</exception>
    public static PretrainedTokenizer FromDirectory(string directory, Action<string>? log)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Checkpoint folder '{directory}' does not exist.");
        var settings = TokenizerSettings.Read(directory);
        var family = ChooseFamily(directory, settings.ModelType);
        var layout = settings.ModelType is { } type
            ? (RobertaLikeModelTypes.Contains(type) ? SpecialTokenLayout.Roberta : SpecialTokenLayout.Bert)
            : (family == TokenizerFamily.ByteLevelBpe ? SpecialTokenLayout.Roberta : SpecialTokenLayout.Bert);
        bool bert = layout == SpecialTokenLayout.Bert;
        string unknownToken = settings.Token("unk_token", bert ? "[UNK]" : "<unk>");
        ISubwordEncoder encoder = family switch
        {
            TokenizerFamily.SentencePiece => SentencePieceEncoder.Create(directory, settings),
            TokenizerFamily.ByteLevelBpe => ByteLevelBpeEncoder.Create(directory, unknownToken, settings),
            _ => WordPieceEncoder.Create(directory, unknownToken, settings, log),
        };
        if (encoder is SentencePieceEncoder sentencePiece) unknownToken = sentencePiece.UnknownToken;
        int TokenId(string key, string fallback) => ResolveId(encoder, settings, key, settings.Token(key, fallback));
        return new PretrainedTokenizer(encoder, layout,
            clsTokenId: TokenId("cls_token", bert ? "[CLS]" : "<s>"),
            sepTokenId: TokenId("sep_token", bert ? "[SEP]" : "</s>"),
            padTokenId: TokenId("pad_token", bert ? "[PAD]" : "<pad>"),
            unknownTokenId: TryResolveId(encoder, settings, unknownToken, out int unknownId) ? unknownId : null,
            settings);
    }

    /// <summary>
    /// Checks that every id the tokenizer can produce has a row in the embedding table of the model configured by
    /// <paramref name="config"/> (a tokenizer of another model would index past it).
    /// </summary>
    /// <exception cref="Checkpoints.CheckpointFormatException">The vocabulary is larger than <c>vocab_size</c>; the message names the files.</exception>
    internal void CheckFits(Checkpoints.EncoderConfig config, string directory)
    {
        if (MaxTokenId < config.VocabSize) return;
        var source = Checkpoints.OnnxEncoderImporter.OnnxFileOf(directory) ?? Path.Combine(directory, TokenizerSettings.ModelConfigFile);
        throw new Checkpoints.CheckpointFormatException(SourceFiles[0],
            $"the tokenizer produces ids up to {MaxTokenId}, but 'vocab_size' of '{source}' is {config.VocabSize}: the tokenizer files belong to another model than the weights.");
    }

    /// <summary>
    /// Encodes <paramref name="text"/> (and <paramref name="textPair"/> when not null) with special tokens, truncated to
    /// <paramref name="maxLength"/> tokens in all (longest-first for pairs). Null, empty or whitespace-only text gives an
    /// empty segment; characters outside the vocabulary give the unknown token; unpaired surrogates are read as U+FFFD;
    /// NUL and other control characters are dropped by WordPiece (as BERT does) and are unknown or bytes elsewhere.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> leaves no room beyond the special tokens.</exception>
    public EncodedText Encode(string? text, string? textPair, int maxLength)
    {
        bool pair = textPair is not null;
        int specialTokens = _template.SpecialTokenCount(pair);
        if (maxLength <= specialTokens)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength,
                $"maxLength must exceed the {specialTokens} special tokens of a {(pair ? "text pair" : "single text")}.");
        int budget = maxLength - specialTokens;
        var first = EncodeSegment(text);
        if (!pair) return _template.Build(first, Math.Min(first.Count, budget), null, 0);
        var second = EncodeSegment(textPair);
        var (firstCount, secondCount) = SequenceTemplate.LongestFirst(first.Count, second.Count, budget);
        return _template.Build(first, firstCount, second, secondCount);
    }

    /// <summary>Pads <paramref name="rows"/> on the right to the longest row and returns int64 tensors on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is empty or holds a null.</exception>
    public TokenBatch Collate(IReadOnlyList<EncodedText> rows, Device device) => TokenBatch.Collate(rows, PadTokenId, device);

    private IReadOnlyList<int> EncodeSegment(string? text) => string.IsNullOrWhiteSpace(text) ? [] : _encoder.Encode(ReplaceUnpairedSurrogates(text));

    /// <summary>Unpaired UTF-16 surrogates (text that is not valid Unicode) become U+FFFD, which every family handles.</summary>
    private static string ReplaceUnpairedSurrogates(string text)
    {
        char[]? copy = null;
        for (int i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i])) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            copy ??= text.ToCharArray();
            copy[i] = '\uFFFD';
        }
        return copy is null ? text : new string(copy);
    }

    private static TokenizerFamily ChooseFamily(string directory, string? modelType)
    {
        bool Has(string file) => File.Exists(Path.Combine(directory, file));
        bool sentencePiece = Has(SentencePieceEncoder.ModelFile);
        bool bpe = Has(ByteLevelBpeEncoder.VocabFile) && Has(ByteLevelBpeEncoder.MergesFile);
        bool wordPiece = Has(WordPieceEncoder.VocabFile);
        TokenizerFamily? preferred = modelType switch
        {
            "deberta-v2" => TokenizerFamily.SentencePiece,
            "deberta" or "gpt2" => TokenizerFamily.ByteLevelBpe,
            _ when RobertaLikeModelTypes.Contains(modelType) => TokenizerFamily.ByteLevelBpe,
            _ when BertLikeModelTypes.Contains(modelType) => TokenizerFamily.WordPiece,
            _ => null,
        };
        if (preferred == TokenizerFamily.SentencePiece && sentencePiece || preferred == TokenizerFamily.ByteLevelBpe && bpe
            || preferred == TokenizerFamily.WordPiece && wordPiece)
            return preferred.Value;
        if (sentencePiece) return TokenizerFamily.SentencePiece;
        if (bpe) return TokenizerFamily.ByteLevelBpe;
        if (wordPiece) return TokenizerFamily.WordPiece;
        string hint = Has(ByteLevelBpeEncoder.VocabFile) ? $" ('{ByteLevelBpeEncoder.VocabFile}' is there but '{ByteLevelBpeEncoder.MergesFile}' is missing.)"
            : Has("tokenizer.json") ? " (A 'tokenizer.json' alone is not supported; add the vocabulary files the model was published with.)"
            : "";
        throw new FileNotFoundException(
            $"No tokenizer files in '{directory}': looked for '{SentencePieceEncoder.ModelFile}' (SentencePiece), " +
            $"'{ByteLevelBpeEncoder.VocabFile}' + '{ByteLevelBpeEncoder.MergesFile}' (byte-level BPE) and '{WordPieceEncoder.VocabFile}' (WordPiece).{hint}");
    }

    private static int ResolveId(ISubwordEncoder encoder, TokenizerSettings settings, string key, string token) =>
        TryResolveId(encoder, settings, token, out int id) ? id
            : throw new InvalidDataException(
                $"The {key} '{token}' is in neither {string.Join(" nor ", encoder.SourceFiles.Select(Path.GetFileName))} nor {TokenizerSettings.AddedTokensFile} " +
                $"(folder '{Path.GetDirectoryName(encoder.SourceFiles[0])}'); set '{key}' in {TokenizerSettings.TokenizerConfigFile} or {TokenizerSettings.SpecialTokensMapFile}.");

    private static bool TryResolveId(ISubwordEncoder encoder, TokenizerSettings settings, string token, out int id) =>
        settings.TryGetAddedTokenId(token, out id) || encoder.TryGetId(token, out id);
}
