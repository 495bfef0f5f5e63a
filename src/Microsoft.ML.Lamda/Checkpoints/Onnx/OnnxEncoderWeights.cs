using Onnx;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Finds the encoder's weights in an ONNX graph under transformers' keys. Exports keep the names of biases,
/// LayerNorms and embeddings, but a linear layer's weight is often an anonymous, transposed ([in, out]) initializer
/// feeding a <c>MatMul</c>: it is named after the bias that the following <c>Add</c> adds, and transposed back.
/// <c>Gemm</c> nodes (the pooler) take their bias as third input and say by <c>transB</c> how the weight is stored.
/// </summary>
internal static class OnnxEncoderWeights
{
    private static readonly string[] ParameterSuffixes = [".weight", ".bias", ".gamma", ".beta"];
    private const string RowZeroSuffix = ".token_type_embeddings.weight.row0";

    /// <summary>Reads every encoder weight of <paramref name="graph"/> as a float32 tensor; the caller owns the tensors.</summary>
    /// <exception cref="CheckpointFormatException">A linear weight cannot be named, two different tensors claim one key, or a tensor is unreadable.</exception>
    public static Dictionary<string, Tensor> Read(OnnxGraphIndex graph)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var node in graph.Graph.Node.Where(node => node.Output.Count > 0))
            {
                if (node.OpType is "MatMul" && node.Input.Count == 2)
                    AddLinear(graph, node, node.Input[1], transB: false, bias: null, tensors, sources);
                else if (node.OpType is "Gemm" && node.Input.Count >= 2)
                {
                    if (OnnxGraphIndex.IntAttribute(node, "transA", 0) != 0 || OnnxGraphIndex.FloatAttribute(node, "alpha", 1f) != 1f || OnnxGraphIndex.FloatAttribute(node, "beta", 1f) != 1f)
                        throw new CheckpointFormatException(graph.Data.ModelPath, $"{OnnxGraphIndex.Describe(node)} has transA, alpha or beta other than 0, 1, 1; expected a plain linear layer (x · Wᵀ + b).");
                    AddLinear(graph, node, node.Input[1], OnnxGraphIndex.IntAttribute(node, "transB", 0) == 1, node.Input.Count > 2 ? node.Input[2] : null, tensors, sources);
                }
            }
            foreach (var initializer in graph.Graph.Initializer)
            {
                if (sources.ContainsValue(initializer.Name)) continue;
                bool parameter = ParameterSuffixes.Any(suffix => initializer.Name.EndsWith(suffix, StringComparison.Ordinal));
                if (!OnnxTensorData.IsFloat(initializer) && !parameter) continue;   // shapes, indices, position ids
                if (initializer.Name.EndsWith(RowZeroSuffix, StringComparison.Ordinal))
                {
                    // Written by our own exporter for one-token-type models without a token_type_ids input.
                    using var row = graph.Data.Float32(initializer, $"initializer '{initializer.Name}'");
                    Add(tensors, sources, initializer.Name[..^".row0".Length], initializer.Name, row.unsqueeze(0), graph.Data.ModelPath);
                    continue;
                }
                if (!parameter || tensors.ContainsKey(initializer.Name)) continue;
                Add(tensors, sources, initializer.Name, initializer.Name, graph.Data.Float32(initializer, $"initializer '{initializer.Name}'"), graph.Data.ModelPath);
            }
            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
    }

    private static void AddLinear(OnnxGraphIndex graph, NodeProto node, string weightInput, bool transB, string? bias,
        Dictionary<string, Tensor> tensors, Dictionary<string, string> sources)
    {
        if (WeightSource(graph, weightInput, out bool transposedInGraph) is not { } initializer) return;
        var key = KeyFromBias(graph, bias) ?? KeyFromFollowingAdd(graph, node)
            ?? (initializer.Name.EndsWith(".weight", StringComparison.Ordinal) ? initializer.Name : null)
            ?? throw new CheckpointFormatException(graph.Data.ModelPath,
                $"{OnnxGraphIndex.Describe(node)} multiplies by initializer '{initializer.Name}' [{string.Join(", ", initializer.Dims)}], but no Add with a named '.bias' initializer follows it: "
                + "the importer cannot tell which weight of the encoder it is (expected a PyTorch export of a BERT-family model, whose biases keep transformers' names).");
        // MatMul computes x · B (B stored [in, out]); Gemm with transB computes x · Bᵀ (B stored [out, in], transformers' layout).
        bool transpose = transB == transposedInGraph;
        if (sources.TryGetValue(key, out var existing))
        {
            if (existing == initializer.Name) return;   // one weight used twice (DeBERTa's shared attention key)
            throw new CheckpointFormatException(graph.Data.ModelPath, $"initializers '{existing}' and '{initializer.Name}' both hold weight '{key}'.");
        }
        using var stored = graph.Data.Float32(initializer, $"initializer '{initializer.Name}' (weight '{key}')");
        Add(tensors, sources, key, initializer.Name, transpose ? stored.t().contiguous() : stored.clone(), graph.Data.ModelPath);
    }

    /// <summary>The 2-D float initializer that <paramref name="value"/> is (through Cast and 2-D Transpose), or null for a computed value.</summary>
    private static TensorProto? WeightSource(OnnxGraphIndex graph, string value, out bool transposed)
    {
        transposed = false;
        for (int hops = 0; hops < 8; hops++)
        {
            if (graph.Initializers.TryGetValue(value, out var initializer))
                return initializer.Dims.Count == 2 && OnnxTensorData.IsFloat(initializer) ? initializer : null;
            var producer = graph.Producer(value);
            if (producer is null || producer.Input.Count == 0) return null;
            if (producer.OpType == "Transpose")
            {
                var perm = producer.Attribute.FirstOrDefault(a => a.Name == "perm")?.Ints.ToArray();
                if (perm is not null && !perm.SequenceEqual([1L, 0L])) return null;
                transposed = !transposed;
            }
            else if (producer.OpType is not ("Cast" or "Identity"))
            {
                return null;
            }
            value = producer.Input[0];
        }
        return null;
    }

    private static string? KeyFromBias(OnnxGraphIndex graph, string? bias) =>
        bias is not null && BiasName(graph, bias) is { } name ? name[..^".bias".Length] + ".weight" : null;

    private static string? KeyFromFollowingAdd(OnnxGraphIndex graph, NodeProto node)
    {
        foreach (var add in graph.Consumers(node.Output[0]).Where(n => n.OpType == "Add" && n.Input.Count == 2))
        {
            var other = add.Input[0] == node.Output[0] ? add.Input[1] : add.Input[0];
            if (KeyFromBias(graph, other) is { } key) return key;
        }
        return null;
    }

    /// <summary>The name of the named '.bias' float vector behind <paramref name="value"/> (through Cast), or null.</summary>
    private static string? BiasName(OnnxGraphIndex graph, string value)
    {
        for (int hops = 0; hops < 4; hops++)
        {
            if (graph.Initializers.TryGetValue(value, out var initializer))
                return initializer.Dims.Count == 1 && OnnxTensorData.IsFloat(initializer) && value.EndsWith(".bias", StringComparison.Ordinal) ? value : null;
            var producer = graph.Producer(value);
            if (producer is null || producer.OpType is not ("Cast" or "Identity") || producer.Input.Count == 0) return null;
            value = producer.Input[0];
        }
        return null;
    }

    private static void Add(Dictionary<string, Tensor> tensors, Dictionary<string, string> sources, string key, string source, Tensor tensor, string file)
    {
        if (!tensors.TryAdd(key, tensor))
        {
            tensor.Dispose();
            throw new CheckpointFormatException(file, $"initializers '{sources[key]}' and '{source}' both hold weight '{key}'.");
        }
        sources[key] = source;
    }
}
