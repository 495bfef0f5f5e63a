using System.Text.RegularExpressions;
using Onnx;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Infers an encoder's <c>config.json</c> settings from an ONNX graph and the weights found in it: sizes from the
/// shapes, the family from the names (DeBERTa's <c>query_proj</c>, a <c>roberta.</c> prefix or RoBERTa's cumulative
/// position ids), heads from the attention's Reshape shapes, the LayerNorm epsilon from <c>LayerNormalization</c>
/// or the decomposed form's <c>Add</c> before <c>Sqrt</c>, and the activation from the operators used.
/// </summary>
internal static partial class OnnxConfigInference
{
    /// <summary>The base-model key prefix (<c>bert.</c>, <c>roberta.</c>, ... or empty) of the weights.</summary>
    public static string Prefix(IReadOnlyDictionary<string, Tensor> weights, string file)
    {
        const string words = "embeddings.word_embeddings.weight";
        var key = weights.Keys.Where(k => k == words || k.EndsWith("." + words, StringComparison.Ordinal)).OrderBy(k => k.Length).FirstOrDefault()
            ?? throw new CheckpointFormatException(file, $"the graph is not a recognisable BERT-family encoder: no initializer named '{words}' (with or without a 'bert.'/'roberta.'/'deberta.' prefix)"
                + (weights.Count == 0 ? "; it has no named float weights at all." : $"; named weights found: {string.Join(", ", weights.Keys.Take(5))}{(weights.Count > 5 ? ", ..." : "")}."));
        return key[..^words.Length];
    }

    /// <summary>The inferred configuration, as <c>config.json</c> keys.</summary>
    /// <exception cref="CheckpointFormatException">A size cannot be inferred, or shapes contradict each other.</exception>
    public static Dictionary<string, object> Infer(OnnxGraphIndex graph, IReadOnlyDictionary<string, Tensor> weights, string prefix, Action<string>? log)
    {
        var file = graph.Data.ModelPath;
        long[] Shape(string key) => weights.TryGetValue(prefix + key, out var t) ? t.shape : throw Missing(file, prefix + key);
        var words = Shape("embeddings.word_embeddings.weight");
        if (words.Length != 2)
            throw new CheckpointFormatException(file, $"initializer '{prefix}embeddings.word_embeddings.weight' has shape [{string.Join(", ", words)}]; expected [vocabulary, hidden].");
        long hidden = words[1];
        bool deberta = weights.Keys.Any(k => k.Contains(".attention.self.query_proj.", StringComparison.Ordinal) || k.EndsWith("encoder.rel_embeddings.weight", StringComparison.Ordinal));
        bool roberta = !deberta && (prefix == "roberta." || graph.Graph.Node.Any(n => n.OpType == "CumSum"));
        var layers = weights.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success && m.Groups[1].Value == prefix).Select(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        if (layers.Count == 0)
            throw new CheckpointFormatException(file, $"the graph is not a recognisable BERT-family encoder: no weights named '{prefix}encoder.layer.N....'.");
        if (layers[0] != 0 || layers[^1] != layers.Count - 1)
            throw new CheckpointFormatException(file, $"the encoder layers found are {string.Join(", ", layers)}; expected 0 to {layers.Count - 1} without gaps.");
        var ffn = Shape("encoder.layer.0.intermediate.dense.bias");
        var config = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["model_type"] = deberta ? "deberta-v2" : roberta ? "roberta" : "bert",
            ["vocab_size"] = words[0],
            ["hidden_size"] = hidden,
            ["num_hidden_layers"] = layers.Count,
            ["intermediate_size"] = ffn.Length == 1 ? ffn[0] : throw new CheckpointFormatException(file, $"initializer '{prefix}encoder.layer.0.intermediate.dense.bias' has shape [{string.Join(", ", ffn)}]; expected a vector."),
            ["num_attention_heads"] = Heads(graph, hidden),
            ["layer_norm_eps"] = Epsilon(graph, log, deberta ? 1e-7 : 1e-12),
            ["hidden_act"] = Activation(graph, prefix, log),
            ["type_vocab_size"] = weights.TryGetValue(prefix + "embeddings.token_type_embeddings.weight", out var types) ? types.shape[0] : 0L,
            ["hidden_dropout_prob"] = 0.1,
            ["attention_probs_dropout_prob"] = 0.1,
        };
        bool positions = weights.TryGetValue(prefix + "embeddings.position_embeddings.weight", out var table);
        if (positions) config["max_position_embeddings"] = table!.shape[0];
        else if (!deberta) throw Missing(file, prefix + "embeddings.position_embeddings.weight");
        if (roberta) config["pad_token_id"] = PadTokenId(graph) ?? 1L;
        // A classification export carries its head: keep its label count (transformers' num_labels).
        if (weights.TryGetValue(roberta ? "classifier.out_proj.weight" : "classifier.weight", out var head) && head.shape.Length == 2)
            config["num_labels"] = head.shape[0];
        if (deberta) InferDeberta(graph, weights, prefix, positions, config, log);
        return config;
    }

    private static void InferDeberta(OnnxGraphIndex graph, IReadOnlyDictionary<string, Tensor> weights, string prefix, bool positions, Dictionary<string, object> config, Action<string>? log)
    {
        bool Has(string key) => weights.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.EndsWith(key, StringComparison.Ordinal));
        config["position_biased_input"] = positions;
        if (!positions) config["max_position_embeddings"] = 512L;
        config["pooler_hidden_size"] = config["hidden_size"];
        if (weights.TryGetValue(prefix + "encoder.rel_embeddings.weight", out var relative))
        {
            config["relative_attention"] = true;
            // Log-bucketed relative positions (DeBERTa-v3) compute a Log; linear ones do not.
            bool buckets = graph.Graph.Node.Any(n => n.OpType == "Log");
            config[buckets ? "position_buckets" : "max_relative_positions"] = relative.shape[0] / 2;
            if (buckets) config["max_relative_positions"] = -1L;
            config["norm_rel_ebd"] = Has("encoder.LayerNorm.weight") ? "layer_norm" : "none";
            bool shared = !Has(".pos_key_proj.weight") && !Has(".pos_proj.weight") && !Has(".pos_q_proj.weight") && !Has(".pos_query_proj.weight");
            config["share_att_key"] = shared;
            config["pos_att_type"] = shared ? new[] { "p2c", "c2p" }
                : new[] { Has(".pos_query_proj.weight") || Has(".pos_q_proj.weight") ? "p2c" : null, Has(".pos_key_proj.weight") || Has(".pos_proj.weight") ? "c2p" : null }.OfType<string>().ToArray();
            log?.Invoke($"DeBERTa ONNX import: relative attention settings inferred from the graph ({(buckets ? "position_buckets" : "max_relative_positions")} {relative.shape[0] / 2}, share_att_key {shared}); put the model's config.json beside the file to state them exactly.");
        }
    }

    /// <summary>Heads from the attention Reshapes to [batch, sequence, heads, head size]; else from the score scale 1/√(head size).</summary>
    private static long Heads(OnnxGraphIndex graph, long hidden)
    {
        var votes = new Dictionary<long, int>();
        foreach (var reshape in graph.Graph.Node.Where(n => n.OpType == "Reshape" && n.Input.Count == 2))
        {
            var shape = ShapeValues(graph, reshape.Input[1]);
            if (shape is not { Length: 4 } || shape[2] is not long heads || heads < 1 || hidden % heads != 0) continue;
            if (shape[3] is long size && size != -1 && heads * size != hidden) continue;
            votes[heads] = votes.GetValueOrDefault(heads) + 1;
        }
        if (votes.Count > 0)
            return votes.MaxBy(pair => pair.Value).Key;
        foreach (var div in graph.Graph.Node.Where(n => n.OpType == "Div" && n.Input.Count == 2 && graph.Producer(n.Input[0])?.OpType == "MatMul"))
        {
            if (graph.ConstantScalar(div.Input[1]) is float scale && scale > 1)
            {
                long size = (long)Math.Round(scale * (double)scale);
                if (size > 0 && hidden % size == 0) return hidden / size;
            }
        }
        throw new CheckpointFormatException(graph.Data.ModelPath, "cannot infer num_attention_heads: no Reshape of the attention to [batch, sequence, heads, head size] with constant heads was found; put the model's config.json beside the file.");
    }

    /// <summary>The values of a Reshape's shape input where constant: a constant tensor, or a Concat of constants and computed single values (null).</summary>
    private static long?[]? ShapeValues(OnnxGraphIndex graph, string value)
    {
        if (graph.ConstantIntegers(value) is { } constant) return constant.Select(v => (long?)v).ToArray();
        var concat = graph.Producer(value);
        if (concat?.OpType != "Concat") return null;
        var values = new List<long?>();
        foreach (var input in concat.Input)
        {
            if (graph.ConstantIntegers(input) is { } part) values.AddRange(part.Select(v => (long?)v));
            else values.Add(null);
        }
        return values.ToArray();
    }

    private static double Epsilon(OnnxGraphIndex graph, Action<string>? log, double fallback)
    {
        foreach (var node in graph.Graph.Node)
        {
            float? epsilon = null;
            if (node.OpType == "LayerNormalization")
                epsilon = OnnxGraphIndex.FloatAttribute(node, "epsilon", 1e-5f);
            else if (node.OpType == "Sqrt" && node.Input.Count == 1 && graph.Producer(node.Input[0]) is { OpType: "Add", Input.Count: 2 } add
                && graph.Producer(add.Input[0])?.OpType == "ReduceMean" && graph.ConstantScalar(add.Input[1]) is float constant)
                epsilon = constant;
            if (epsilon is not float value) continue;
            if (!(value > 0 && float.IsFinite(value)))
                throw new CheckpointFormatException(graph.Data.ModelPath, $"{OnnxGraphIndex.Describe(node)} has LayerNorm epsilon {value}; expected a small positive number.");
            // The float32 value's shortest decimal form (1e-12, not 9.9999999600419720e-13).
            return double.Parse(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        }
        log?.Invoke($"ONNX import: no LayerNorm epsilon found in the graph; using {fallback:G3}.");
        return fallback;
    }

    /// <summary>The feed-forward activation: the operators between layer 0's intermediate bias Add and the next MatMul.</summary>
    private static string Activation(OnnxGraphIndex graph, string prefix, Action<string>? log)
    {
        var region = ActivationRegion(graph, prefix + "encoder.layer.0.intermediate.dense.bias");
        var ops = region.Select(n => n.OpType).ToHashSet(StringComparer.Ordinal);
        bool Constant(float value) => region.Any(n => n.Input.Any(input => graph.ConstantScalar(input) is float c && Math.Abs(c - value) < 1e-4f));
        string? name = ops switch
        {
            _ when ops.Contains("Erf") => "gelu",
            _ when region.FirstOrDefault(n => n.OpType == "Gelu") is { } gelu => gelu.Attribute.FirstOrDefault(a => a.Name == "approximate")?.S.ToStringUtf8() == "tanh" ? "gelu_new" : "gelu",
            _ when ops.Contains("FastGelu") || ops.Contains("Tanh") && Constant(0.044715f) => "gelu_new",
            _ when ops.Contains("Sigmoid") && Constant(1.702f) => "quick_gelu",
            _ when ops.Contains("Sigmoid") && ops.Contains("Mul") => "silu",
            _ when ops.Contains("Relu") => "relu",
            _ when ops.Contains("Tanh") => "tanh",
            _ => null,
        };
        if (name is not null) return name;
        log?.Invoke($"ONNX import: the feed-forward activation is not recognisable in the graph (operators {string.Join(", ", ops)}); assuming gelu.");
        return "gelu";
    }

    /// <summary>The nodes reached from the Add of <paramref name="bias"/> before the next MatMul or Gemm.</summary>
    private static List<Onnx.NodeProto> ActivationRegion(OnnxGraphIndex graph, string bias)
    {
        var values = new Queue<string>([bias]);
        foreach (var cast in graph.Consumers(bias).Where(n => n.OpType is "Cast" or "Identity" && n.Output.Count > 0))
            values.Enqueue(cast.Output[0]);
        var adds = new List<Onnx.NodeProto>();
        while (values.Count > 0)
            adds.AddRange(graph.Consumers(values.Dequeue()).Where(n => n.OpType == "Add"));
        var region = new List<Onnx.NodeProto>();
        var seen = new HashSet<Onnx.NodeProto>();
        var frontier = new Queue<string>(adds.Take(1).SelectMany(add => add.Output));
        while (frontier.Count > 0 && region.Count < 40)
        {
            foreach (var node in graph.Consumers(frontier.Dequeue()))
            {
                if (node.OpType is "MatMul" or "Gemm" || !seen.Add(node)) continue;
                region.Add(node);
                foreach (var output in node.Output) frontier.Enqueue(output);
            }
        }
        return region;
    }

    private static long? PadTokenId(OnnxGraphIndex graph) =>
        graph.Graph.Node.Where(n => n.OpType == "Equal" && n.Input.Count == 2 && n.Input.Contains("input_ids"))
            .Select(n => graph.ConstantIntegers(n.Input[0] == "input_ids" ? n.Input[1] : n.Input[0]))
            .FirstOrDefault(values => values is { Length: 1 })?[0];

    private static CheckpointFormatException Missing(string file, string key) =>
        new(file, $"the graph has no initializer '{key}', which a BERT-family encoder needs.");

    [GeneratedRegex(@"^(.*?)encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();
}
