namespace Microsoft.ML.Lamda.Export;

/// <summary>The activations of <see cref="Models.Activations"/> written as opset-17 nodes (which has no Gelu operator).</summary>
internal static class OnnxActivations
{
    /// <summary>Adds the nodes of activation <paramref name="name"/> applied to <paramref name="x"/>; returns the result.</summary>
    /// <exception cref="NotSupportedException">The activation has no ONNX form here.</exception>
    public static string Apply(OnnxGraphBuilder graph, string name, string x) => name switch
    {
        "gelu" or "gelu_python" => ExactGelu(graph, x),
        "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh" => TanhGelu(graph, x),
        "quick_gelu" => graph.Node("Mul", [x, graph.Node("Sigmoid", [graph.Node("Mul", [x, graph.Float(1.702f)])])]),
        "relu" => graph.Node("Relu", [x]),
        "silu" or "swish" => graph.Node("Mul", [x, graph.Node("Sigmoid", [x])]),
        "tanh" => graph.Node("Tanh", [x]),
        "sigmoid" => graph.Node("Sigmoid", [x]),
        "linear" => x,
        _ => throw new NotSupportedException($"Activation '{name}' has no ONNX exporter."),
    };

    /// <summary>x · ½ · (1 + erf(x / √2)).</summary>
    private static string ExactGelu(OnnxGraphBuilder graph, string x)
    {
        var erf = graph.Node("Erf", [graph.Node("Div", [x, graph.Float(MathF.Sqrt(2f))])]);
        return graph.Node("Mul", [graph.Node("Mul", [x, graph.Float(0.5f)]), graph.Node("Add", [erf, graph.Float(1f)])]);
    }

    /// <summary>½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).</summary>
    private static string TanhGelu(OnnxGraphBuilder graph, string x)
    {
        var cube = graph.Node("Mul", [graph.Node("Mul", [x, x]), x]);
        var inner = graph.Node("Add", [x, graph.Node("Mul", [cube, graph.Float(0.044715f)])]);
        var tanh = graph.Node("Tanh", [graph.Node("Mul", [inner, graph.Float(MathF.Sqrt(2f / MathF.PI))])]);
        return graph.Node("Mul", [graph.Node("Mul", [x, graph.Float(0.5f)]), graph.Node("Add", [tanh, graph.Float(1f)])]);
    }
}
