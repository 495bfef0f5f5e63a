using Onnx;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Lookups over one ONNX graph: initializers by name, the node producing each value, the nodes consuming it, and the
/// constant values (initializers, <c>Constant</c> nodes, through <c>Identity</c>) that shapes and epsilons are read from.
/// </summary>
internal sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);

    public OnnxGraphIndex(GraphProto graph, OnnxTensorData data)
    {
        Graph = graph;
        Data = data;
        foreach (var initializer in graph.Initializer)
        {
            if (!Initializers.TryAdd(initializer.Name, initializer))
                throw new CheckpointFormatException(data.ModelPath, $"initializer '{initializer.Name}' appears twice in the graph.");
        }
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output.Where(output => output.Length > 0))
                _producers.TryAdd(output, node);
            foreach (var input in node.Input.Where(input => input.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list))
                    _consumers[input] = list = [];
                list.Add(node);
            }
        }
    }

    public GraphProto Graph { get; }

    public OnnxTensorData Data { get; }

    public Dictionary<string, TensorProto> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>The node that computes <paramref name="value"/>, or null for graph inputs and initializers.</summary>
    public NodeProto? Producer(string value) => Initializers.ContainsKey(value) ? null : _producers.GetValueOrDefault(value);

    /// <summary>The nodes that read <paramref name="value"/>.</summary>
    public IReadOnlyList<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>Node label for messages: its name, else its operator and first output.</summary>
    public static string Describe(NodeProto node) => node.Name.Length > 0 ? $"{node.OpType} node '{node.Name}'" : $"{node.OpType} node producing '{node.Output.FirstOrDefault()}'";

    /// <summary>The constant tensor behind <paramref name="value"/> (an initializer, a Constant node's value, through Identity), or null.</summary>
    public TensorProto? Constant(string value)
    {
        for (int hops = 0; hops < 8; hops++)
        {
            if (Initializers.TryGetValue(value, out var initializer)) return initializer;
            var node = _producers.GetValueOrDefault(value);
            if (node is null) return null;
            if (node.OpType == "Constant")
                return node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
            if (node.OpType != "Identity" || node.Input.Count == 0) return null;
            value = node.Input[0];
        }
        return null;
    }

    /// <summary>The integer values of the constant behind <paramref name="value"/>, or null.</summary>
    public long[]? ConstantIntegers(string value) => Constant(value) is { } tensor ? Data.Integers(tensor, $"constant '{value}'") : null;

    /// <summary>The float scalar behind <paramref name="value"/>, or null.</summary>
    public float? ConstantScalar(string value) => Constant(value) is { } tensor ? Data.Scalar(tensor, $"constant '{value}'") : null;

    /// <summary>An integer attribute of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static long IntAttribute(NodeProto node, string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    /// <summary>A float attribute of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static float FloatAttribute(NodeProto node, string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;
}
