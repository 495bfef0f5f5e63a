using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Export;

/// <summary>
/// DeBERTa-v2/v3 attention scores in ONNX: content-to-content plus the disentangled c2p and p2c terms. The
/// relative positions of a sequence are looked up in a table of gather indices (computed here with
/// <see cref="RelativePositions.Bucket"/>, so the graph holds no floating-point bucketing) over relative
/// distances clipped to where the clamped index no longer changes; the projected relative embeddings of each
/// layer are weights (they depend on no input).
/// </summary>
internal sealed class DisentangledAttentionGraph
{
    private readonly OnnxGraphBuilder _graph;
    private readonly EncoderConfig _config;
    private readonly IReadOnlyDictionary<string, Tensor> _parameters;
    private readonly bool _contentToPosition, _positionToContent;
    private readonly float _scale;
    private readonly long _span;
    private readonly Tensor? _relativeEmbeddings;
    private readonly string? _contentToPositionIndex, _positionToContentIndex;

    public DisentangledAttentionGraph(OnnxGraphBuilder graph, EncoderConfig config, IReadOnlyDictionary<string, Tensor> parameters, string batch, string length)
    {
        _graph = graph;
        _config = config;
        _parameters = parameters;
        var types = config.RelativeAttention ? config.PositionAttentionTypes : [];
        _contentToPosition = types.Contains("c2p");
        _positionToContent = types.Contains("p2c");
        _scale = (float)Math.Sqrt(config.AttentionHeadSize * (1 + (_contentToPosition ? 1 : 0) + (_positionToContent ? 1 : 0)));
        if (!config.RelativeAttention)
            return;
        _span = DebertaV2Encoder.AttentionSpan(config);
        var table = Parameter("deberta.encoder.rel_embeddings.weight").narrow(0, 0, 2 * _span);
        _relativeEmbeddings = config.NormalizeRelativeEmbeddings
            ? nn.functional.layer_norm(table, [config.HiddenSize], Parameter("deberta.encoder.LayerNorm.weight"), Parameter("deberta.encoder.LayerNorm.bias"), config.LayerNormEps)
            : table;
        var reach = Reach();
        var distances = Distances(batch, length, reach);
        if (_contentToPosition)
            _contentToPositionIndex = IndexFor(distances, batch, length, reach, bucket => bucket + _span);
        if (_positionToContent)
            _positionToContentIndex = IndexFor(distances, batch, length, reach, bucket => _span - bucket);
    }

    /// <summary>The attention scores [batch, heads, seq, seq] of the layer whose <c>attention.self</c> is <paramref name="self"/>.</summary>
    public string Scores(string query, string key, string self)
    {
        var keyT = _graph.Node("Transpose", [key], ("perm", new long[] { 0, 1, 3, 2 }));
        var scores = _graph.Node("Div", [_graph.Node("MatMul", [query, keyT]), _graph.Float(_scale)]);
        if (_contentToPositionIndex is not null)
        {
            var positionKey = ProjectedPositions(self, _config.ShareAttentionKey ? "key_proj" : "pos_key_proj");
            var c2p = _graph.Node("GatherElements", [_graph.Node("MatMul", [query, positionKey]), _contentToPositionIndex], ("axis", 3L));
            scores = _graph.Node("Add", [scores, _graph.Node("Div", [c2p, _graph.Float(_scale)])]);
        }
        if (_positionToContentIndex is not null)
        {
            var positionQuery = ProjectedPositions(self, _config.ShareAttentionKey ? "query_proj" : "pos_query_proj");
            var p2c = _graph.Node("GatherElements", [_graph.Node("MatMul", [key, positionQuery]), _positionToContentIndex], ("axis", 3L));
            p2c = _graph.Node("Transpose", [p2c], ("perm", new long[] { 0, 1, 3, 2 }));
            scores = _graph.Node("Add", [scores, _graph.Node("Div", [p2c, _graph.Float(_scale)])]);
        }
        return scores;
    }

    /// <summary>The relative embeddings through <paramref name="projection"/> as [heads, head_size, 2 × span] (ready to multiply).</summary>
    private string ProjectedPositions(string self, string projection)
    {
        var projected = nn.functional.linear(_relativeEmbeddings!, Parameter($"{self}.{projection}.weight"), Parameter($"{self}.{projection}.bias"));
        var heads = projected.view(2 * _span, _config.NumAttentionHeads, _config.AttentionHeadSize).permute(1, 2, 0);
        return _graph.Weight($"{self}.{projection}.relative", heads);
    }

    /// <summary>query − key for every pair, clipped to [−reach, reach] and shifted by reach: [seq, seq] indices into a lookup table.</summary>
    private string Distances(string batch, string length, long reach)
    {
        var count = _graph.Node("Squeeze", [length, _graph.Int64s(0)]);
        var positions = _graph.Node("Range", [_graph.Int64(0), count, _graph.Int64(1)]);
        var relative = _graph.Node("Sub", [_graph.Node("Unsqueeze", [positions, _graph.Int64s(1)]), _graph.Node("Unsqueeze", [positions, _graph.Int64s(0)])]);
        var clipped = _graph.Node("Clip", [relative, _graph.Int64(-reach), _graph.Int64(reach)]);
        return _graph.Node("Add", [clipped, _graph.Int64(reach)]);
    }

    /// <summary>
    /// The distance from which on every clamped index equals its limit (buckets grow with the distance), so that
    /// clipping distances to it changes no index.
    /// </summary>
    private long Reach()
    {
        const long cap = 100_000;
        for (long d = 0; d < cap; d++)
            if (Bucket(d) >= _span)
                return d;
        return cap;
    }

    private long Bucket(long distance)
    {
        var maxRelative = _config.MaxRelativePositions < 1 ? _config.MaxPositionEmbeddings : _config.MaxRelativePositions;
        return _config.PositionBuckets > 0 ? RelativePositions.Bucket(distance, _config.PositionBuckets, maxRelative) : distance;
    }

    /// <summary>The gather index [batch, heads, seq, seq]: <paramref name="index"/> of each bucketed distance, clamped to the table.</summary>
    private string IndexFor(string distances, string batch, string length, long reach, Func<long, long> index)
    {
        var lookup = new long[2 * reach + 1];
        for (long d = -reach; d <= reach; d++)
            lookup[d + reach] = Math.Clamp(index(Bucket(d)), 0, 2 * _span - 1);
        var gathered = _graph.Node("Gather", [_graph.Int64s(lookup), distances]);
        var shape = _graph.Node("Concat", [batch, _graph.Int64s(_config.NumAttentionHeads), length, length], ("axis", 0L));
        return _graph.Node("Expand", [gathered, shape]);
    }

    /// <summary>A parameter as float32 (the weights computed here from parameters keep float32 precision whatever the model's dtype).</summary>
    private Tensor Parameter(string name) => _parameters.TryGetValue(name, out var tensor)
        ? tensor.to(ScalarType.Float32)
        : throw new InvalidOperationException($"The {_config.ModelType} model has no parameter '{name}', which its ONNX graph needs.");
}
