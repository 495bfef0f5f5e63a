using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>
/// SentencePiece over <c>spm.model</c> (DeBERTa-v3), through Microsoft.ML.Tokenizers' <see cref="SentencePieceTokenizer"/>,
/// which applies the model's own normalization and its <c>▁</c> word prefix. Runs of unknown characters become one
/// unknown token, as the SentencePiece library does.
/// </summary>
internal sealed class SentencePieceEncoder : ISubwordEncoder
{
    internal const string ModelFile = "spm.model";

    private readonly SentencePieceTokenizer _model;
    private readonly bool _lowerCase;

    private SentencePieceEncoder(string path, SentencePieceTokenizer model, bool lowerCase)
    {
        SourceFiles = [path];
        _model = model;
        _lowerCase = lowerCase;
    }

    public TokenizerFamily Family => TokenizerFamily.SentencePiece;

    public IReadOnlyList<string> SourceFiles { get; }

    /// <summary>The model's own unknown piece (e.g. <c>[UNK]</c>).</summary>
    public string UnknownToken => _model.UnknownToken;

    /// <summary>Loads the model; honours tokenizer_config.json's <c>do_lower_case</c> (false by default, as DeBERTa-v2/v3).</summary>
    public static SentencePieceEncoder Create(string directory, TokenizerSettings settings)
    {
        string path = Path.Combine(directory, ModelFile);
        if (settings.Flag("split_by_punct") == true)
            throw new NotSupportedException($"{TokenizerSettings.TokenizerConfigFile} in '{directory}' sets 'split_by_punct': true, which this tokenizer does not implement.");
        SentencePieceTokenizer model;
        using var stream = File.OpenRead(path);
        try
        {
            model = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"'{path}' is not a SentencePiece model (a sentencepiece_model.proto message): {e.Message}", e);
        }
        if (model.Vocabulary.Count == 0)
            throw new InvalidDataException($"'{path}' is not a SentencePiece model: it holds no pieces.");
        return new SentencePieceEncoder(path, model, settings.Flag("do_lower_case") ?? false);
    }

    public IReadOnlyList<int> Encode(string text)
    {
        IReadOnlyList<int> ids;
        try
        {
            ids = _model.EncodeToIds(_lowerCase ? text.ToLowerInvariant() : text, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (IndexOutOfRangeException e)
        {
            // A damaged spm.model can parse yet hold pieces or scores that Microsoft.ML.Tokenizers indexes past.
            throw new InvalidDataException($"'{SourceFiles[0]}' is damaged: encoding text with it failed ({e.Message}).", e);
        }
        return FuseUnknownRuns(ids, _model.UnknownId);
    }

    public int MaxId => _model.Vocabulary.Values.Max();

    public bool TryGetId(string token, out int id) => _model.Vocabulary.TryGetValue(token, out id);

    private static IReadOnlyList<int> FuseUnknownRuns(IReadOnlyList<int> ids, int unknownId)
    {
        int i = 1;
        while (i < ids.Count && !(ids[i] == unknownId && ids[i - 1] == unknownId)) i++;
        if (i >= ids.Count) return ids;
        var fused = new List<int>(ids.Count);
        for (int j = 0; j < ids.Count; j++)
            if (!(j > 0 && ids[j] == unknownId && ids[j - 1] == unknownId)) fused.Add(ids[j]);
        return fused;
    }
}
