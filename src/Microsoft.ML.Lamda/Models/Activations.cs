using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>The activation functions named by transformers' <c>hidden_act</c> / <c>pooler_hidden_act</c>.</summary>
public static class Activations
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> ByName = new(StringComparer.Ordinal)
    {
        ["gelu"] = x => nn.functional.gelu(x),
        ["gelu_python"] = x => nn.functional.gelu(x),
        ["gelu_new"] = x => nn.functional.gelu(x, GELU.Approximate.tanh),
        ["gelu_fast"] = x => nn.functional.gelu(x, GELU.Approximate.tanh),
        ["gelu_pytorch_tanh"] = x => nn.functional.gelu(x, GELU.Approximate.tanh),
        ["quick_gelu"] = x => x * nn.functional.sigmoid(x * 1.702),
        ["relu"] = x => nn.functional.relu(x),
        ["silu"] = x => nn.functional.silu(x),
        ["swish"] = x => nn.functional.silu(x),
        ["tanh"] = x => x.tanh(),
        ["sigmoid"] = x => nn.functional.sigmoid(x),
        ["linear"] = x => x.alias(),
    };

    /// <summary>The accepted names.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>The function named <paramref name="name"/>.</summary>
    /// <exception cref="CheckpointFormatException">The name is unknown; the message names the key, the value and the accepted names.</exception>
    public static Func<Tensor, Tensor> Resolve(string name, string key, string source) =>
        ByName.TryGetValue(name, out var function)
            ? function
            : throw new CheckpointFormatException(source, $"'{key}' '{name}' is not a supported activation; supported: {string.Join(", ", Names)}.");
}
