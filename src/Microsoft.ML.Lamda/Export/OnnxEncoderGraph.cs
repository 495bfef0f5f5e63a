using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Microsoft.ML.Lamda.Export;

/// <summary>
/// Writes a <see cref="SequenceClassificationModel"/> (BERT, RoBERTa, DeBERTa-v2/v3 encoder and task head) as
/// one ONNX graph that computes what its <c>Forward</c> computes in evaluation mode, reading the weights by
/// transformers' parameter names. Inputs <c>input_ids</c>, <c>attention_mask</c> (and <c>token_type_ids</c>
/// when the model has more than one token type), int64 [batch, sequence]; outputs <c>logits</c> [batch, labels]
/// and, when asked, <c>probabilities</c> (softmax over labels).
/// </summary>
internal sealed class OnnxEncoderGraph
{
    /// <summary>The names of the graph's inputs and outputs.</summary>
    public const string InputIds = "input_ids", AttentionMask = "attention_mask", TokenTypeIds = "token_type_ids", Logits = "logits", Probabilities = "probabilities";

    private readonly OnnxGraphBuilder _graph;
    private readonly EncoderConfig _config;
    private readonly Dictionary<string, Tensor> _parameters;
    private readonly string _prefix;
    private string _ids = "", _batch = "", _length = "";

    private OnnxEncoderGraph(SequenceClassificationModel model, bool float16Weights)
    {
        _graph = new OnnxGraphBuilder(float16Weights);
        _config = model.Config;
        _parameters = model.Network.named_parameters().ToDictionary(pair => pair.name, pair => (Tensor)pair.parameter, StringComparer.Ordinal);
        _prefix = CheckpointKeyMapper.EncoderPrefix(_config.Family);
    }

    /// <summary>Whether the graph of <paramref name="config"/> has a <c>token_type_ids</c> input.</summary>
    public static bool HasTokenTypes(EncoderConfig config) => config.TypeVocabSize > 1;

    /// <summary>Builds the ONNX model of <paramref name="model"/>.</summary>
    /// <exception cref="NotSupportedException">The model's family or activation has no exporter.</exception>
    public static ModelProto Build(SequenceClassificationModel model, bool probabilities, bool float16Weights, IReadOnlyDictionary<string, string> metadata)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var graph = new OnnxEncoderGraph(model, float16Weights);
        graph.BuildGraph(probabilities);
        return graph._graph.Build($"{model.Config.ModelType} sequence classification exported by Microsoft.ML.Lamda", metadata);
    }

    private void BuildGraph(bool probabilities)
    {
        _ids = _graph.Input(InputIds, DataType.Int64, "batch", "sequence");
        var mask = _graph.Input(AttentionMask, DataType.Int64, "batch", "sequence");
        var types = HasTokenTypes(_config) ? _graph.Input(TokenTypeIds, DataType.Int64, "batch", "sequence") : null;
        _batch = _graph.Node("Shape", [_ids], ("start", 0L), ("end", 1L));
        _length = _graph.Node("Shape", [_ids], ("start", 1L), ("end", 2L));
        // Additive key mask [batch, 1, 1, sequence]: 0 where the mask is non-zero, float32's lowest value elsewhere.
        var keep = _graph.Node("Cast", [mask], ("to", (long)DataType.Bool));
        var additive = _graph.Node("Where", [keep, _graph.Float(0f), _graph.Float(float.MinValue)]);
        var keyMask = _graph.Node("Unsqueeze", [additive, _graph.Int64s(1, 2)]);

        string hidden, pooled;
        var first = (Func<string, string>)(h => _graph.Node("Gather", [h, _graph.Int64(0)], ("axis", 1L)));
        switch (_config.Family)
        {
            case EncoderFamily.Bert:
            case EncoderFamily.Roberta:
                hidden = BertEmbeddings(types, robertaPositions: _config.Family == EncoderFamily.Roberta);
                for (int i = 0; i < _config.NumHiddenLayers; i++)
                    hidden = Layer(hidden, $"{_prefix}.encoder.layer.{i}", (q, k, _) => ScaledScores(q, k, Math.Sqrt(_config.AttentionHeadSize)), keyMask);
                pooled = _config.Family == EncoderFamily.Bert
                    ? _graph.Node("Tanh", [Linear(first(hidden), "bert.pooler.dense")])
                    : _graph.Node("Tanh", [Linear(first(hidden), "classifier.dense")]);
                break;
            case EncoderFamily.DebertaV2:
                hidden = DebertaEmbeddings(types, mask);
                var relative = new DisentangledAttentionGraph(_graph, _config, _parameters, _batch, _length);
                for (int i = 0; i < _config.NumHiddenLayers; i++)
                {
                    var layer = $"deberta.encoder.layer.{i}";
                    hidden = Layer(hidden, layer, (q, k, _) => relative.Scores(q, k, $"{layer}.attention.self"), keyMask);
                }
                pooled = OnnxActivations.Apply(_graph, _config.PoolerHiddenAct, Linear(first(hidden), "pooler.dense"));
                break;
            default:
                throw new NotSupportedException($"Encoder family {_config.Family} has no ONNX exporter.");
        }
        var head = _config.Family switch
        {
            EncoderFamily.Roberta => "classifier.out_proj",
            _ => "classifier",
        };
        var logits = _graph.NodeNamed("Add", [_graph.Node("MatMul", [pooled, TransposedWeight($"{head}.weight")]), _graph.Weight($"{head}.bias", Parameter($"{head}.bias"))], Logits);
        _graph.Output(logits, DataType.Float, "batch", (long)_config.NumLabels);
        if (probabilities)
        {
            _graph.NodeNamed("Softmax", [logits], Probabilities, ("axis", 1L));
            _graph.Output(Probabilities, DataType.Float, "batch", (long)_config.NumLabels);
        }
    }

    /// <summary>Word + absolute position (+ token type) embeddings and LayerNorm; RoBERTa numbers positions past the padding id.</summary>
    private string BertEmbeddings(string? types, bool robertaPositions)
    {
        var embeddings = $"{_prefix}.embeddings";
        var words = Gather($"{embeddings}.word_embeddings.weight", _ids);
        string positions;
        if (robertaPositions)
        {
            var pad = _graph.Int64(_config.PadTokenId);
            var notPad = _graph.Node("Cast", [_graph.Node("Not", [_graph.Node("Equal", [_ids, pad])])], ("to", (long)DataType.Int64));
            var count = _graph.Node("CumSum", [notPad, _graph.Int64(1)]);
            positions = _graph.Node("Add", [_graph.Node("Mul", [count, notPad]), pad]);
        }
        else
        {
            positions = PositionRange();
        }
        var sum = _graph.Node("Add", [words, Gather($"{embeddings}.position_embeddings.weight", positions)]);
        sum = AddTokenTypes(sum, types, embeddings);
        return LayerNorm(sum, $"{embeddings}.LayerNorm");
    }

    /// <summary>DeBERTa: word (+ position when position-biased) (+ token type) embeddings, LayerNorm, times the mask.</summary>
    private string DebertaEmbeddings(string? types, string mask)
    {
        const string embeddings = "deberta.embeddings";
        var sum = Gather($"{embeddings}.word_embeddings.weight", _ids);
        if (_config.PositionBiasedInput)
            sum = _graph.Node("Add", [sum, Gather($"{embeddings}.position_embeddings.weight", PositionRange())]);
        sum = AddTokenTypes(sum, types, embeddings);
        var normed = LayerNorm(sum, $"{embeddings}.LayerNorm");
        var scale = _graph.Node("Unsqueeze", [_graph.Node("Cast", [mask], ("to", (long)DataType.Float)), _graph.Int64s(2)]);
        return _graph.Node("Mul", [normed, scale]);
    }

    private string AddTokenTypes(string sum, string? types, string embeddings)
    {
        var table = $"{embeddings}.token_type_embeddings.weight";
        if (types is not null)
            return _graph.Node("Add", [sum, Gather(table, types)]);
        if (_config.TypeVocabSize == 1)
            return _graph.Node("Add", [sum, _graph.Weight($"{table}.row0", Parameter(table).select(0, 0))]);
        return sum;
    }

    /// <summary>0, 1, …, sequence − 1 (int64).</summary>
    private string PositionRange() =>
        _graph.Node("Range", [_graph.Int64(0), _graph.Node("Squeeze", [_length, _graph.Int64s(0)]), _graph.Int64(1)]);

    /// <summary>One post-LayerNorm block; <paramref name="scores"/> gives the attention scores [batch, heads, seq, seq] before the mask.</summary>
    private string Layer(string hidden, string layer, Func<string, string, string, string> scores, string keyMask)
    {
        var self = $"{layer}.attention.self";
        var deberta = _config.Family == EncoderFamily.DebertaV2;
        var query = Heads(Linear(hidden, deberta ? $"{self}.query_proj" : $"{self}.query"));
        var key = Heads(Linear(hidden, deberta ? $"{self}.key_proj" : $"{self}.key"));
        var value = Heads(Linear(hidden, deberta ? $"{self}.value_proj" : $"{self}.value"));
        var probabilities = _graph.Node("Softmax", [_graph.Node("Add", [scores(query, key, self), keyMask])], ("axis", -1L));
        var context = _graph.Node("Transpose", [_graph.Node("MatMul", [probabilities, value])], ("perm", new long[] { 0, 2, 1, 3 }));
        context = _graph.Node("Reshape", [context, _graph.Int64s(0, 0, _config.HiddenSize)]);
        var attended = LayerNorm(_graph.Node("Add", [Linear(context, $"{layer}.attention.output.dense"), hidden]), $"{layer}.attention.output.LayerNorm");
        var intermediate = OnnxActivations.Apply(_graph, _config.HiddenAct, Linear(attended, $"{layer}.intermediate.dense"));
        return LayerNorm(_graph.Node("Add", [Linear(intermediate, $"{layer}.output.dense"), attended]), $"{layer}.output.LayerNorm");
    }

    /// <summary>query · keyᵀ / <paramref name="scale"/>.</summary>
    private string ScaledScores(string query, string key, double scale) =>
        _graph.Node("Div", [_graph.Node("MatMul", [query, Transpose(key)]), _graph.Float((float)scale)]);

    private string Transpose(string heads) => _graph.Node("Transpose", [heads], ("perm", new long[] { 0, 1, 3, 2 }));

    /// <summary>[batch, seq, hidden] to [batch, heads, seq, head_size].</summary>
    private string Heads(string projected) =>
        _graph.Node("Transpose", [_graph.Node("Reshape", [projected, _graph.Int64s(0, 0, _config.NumAttentionHeads, _config.AttentionHeadSize)])],
            ("perm", new long[] { 0, 2, 1, 3 }));

    private string Linear(string x, string module) =>
        _graph.Node("Add", [_graph.Node("MatMul", [x, TransposedWeight($"{module}.weight")]), _graph.Weight($"{module}.bias", Parameter($"{module}.bias"))]);

    private string TransposedWeight(string name) => _graph.Weight(name, Parameter(name).t());

    private string LayerNorm(string x, string module) =>
        _graph.Node("LayerNormalization", [x, _graph.Weight($"{module}.weight", Parameter($"{module}.weight")), _graph.Weight($"{module}.bias", Parameter($"{module}.bias"))],
            ("axis", -1L), ("epsilon", _config.LayerNormEps));

    private string Gather(string table, string indices) => _graph.Node("Gather", [_graph.Weight(table, Parameter(table)), indices]);

    private Tensor Parameter(string name) => _parameters.TryGetValue(name, out var tensor)
        ? tensor
        : throw new InvalidOperationException($"The {_config.ModelType} model has no parameter '{name}', which its ONNX graph needs.");
}
