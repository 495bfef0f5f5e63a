using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Samples.OnnxScoring;

/// <summary>One text (or pair) to score.</summary>
public sealed class TextInput
{
    public string Text1 { get; set; } = "";

    /// <summary>The second text of a pair; null for single texts.</summary>
    public string? Text2 { get; set; }
}

/// <summary>The graph's inputs for one row, padded to the maximum length (vector sizes are set from the manifest).</summary>
public sealed class EncodedInput
{
    [ColumnName("input_ids")]
    public long[] InputIds { get; set; } = [];

    [ColumnName("attention_mask")]
    public long[] AttentionMask { get; set; } = [];

    [ColumnName("token_type_ids")]
    public long[] TokenTypeIds { get; set; } = [];
}

/// <summary>A prediction: the best label and its probability (classification), or the similarity in <see cref="Score"/>.</summary>
public sealed record TextPrediction(string? Label, float[] Score);

/// <summary>
/// An ML.NET pipeline over an exported model: a CustomMapping that tokenizes with Microsoft.ML.Tokenizers
/// (<see cref="TextEncoder"/>), then <c>ApplyOnnxModel</c>, which runs the graph with ONNX Runtime.
/// </summary>
public sealed class OnnxTextScorer : IDisposable
{
    private readonly MLContext _mlContext;
    private readonly ExportManifest _manifest;
    private readonly ITransformer _pipeline;
    private readonly string _output;

    public OnnxTextScorer(MLContext mlContext, string onnxPath)
    {
        _mlContext = mlContext;
        _manifest = ExportManifest.Load(onnxPath);
        var encoder = new TextEncoder(_manifest);
        var length = _manifest.MaxLength;
        var vector = new VectorDataViewType(NumberDataViewType.Int64, length);
        var encoded = SchemaDefinition.Create(typeof(EncodedInput));
        foreach (var column in encoded)
            column.ColumnType = vector;
        _output = _manifest.Outputs.Contains("probabilities") ? "probabilities" : "logits";
        var pipeline = mlContext.Transforms.CustomMapping<TextInput, EncodedInput>((input, output) =>
            {
                // ML.NET reads a null string as empty: the manifest, not the value, says whether Text2 is a second text.
                var (ids, mask, types) = encoder.Encode(input.Text1, _manifest.Pairs ? input.Text2 ?? "" : null);
                (output.InputIds, output.AttentionMask, output.TokenTypeIds) = (ids, mask, types);
            }, contractName: null, outputSchemaDefinition: encoded)
            .Append(mlContext.Transforms.ApplyOnnxModel([_output], [.. _manifest.Inputs], _manifest.OnnxPath,
                _manifest.Inputs.ToDictionary(name => name, _ => new[] { 1, length }), gpuDeviceId: null, fallbackToCpu: false, recursionLimit: 100));
        _pipeline = pipeline.Fit(mlContext.Data.LoadFromEnumerable(Array.Empty<TextInput>()));
    }

    /// <summary>The class names (classification) or the single output's name.</summary>
    public IReadOnlyList<string> Labels => _manifest.Labels;

    /// <summary>Adds the graph's output column (<c>probabilities</c> or <c>logits</c>) to a data view with Text1 (and Text2).</summary>
    public IDataView Transform(IDataView texts) => _pipeline.Transform(texts);

    /// <summary>Scores <paramref name="rows"/>.</summary>
    public IReadOnlyList<TextPrediction> Predict(IEnumerable<TextInput> rows)
    {
        var scored = Transform(_mlContext.Data.LoadFromEnumerable(rows));
        return scored.GetColumn<float[]>(_output).Select(score => new TextPrediction(
            _manifest.Task == "classification" ? _manifest.Labels[Array.IndexOf(score, score.Max())] : null, score)).ToArray();
    }

    public void Dispose() => (_pipeline as IDisposable)?.Dispose();
}
