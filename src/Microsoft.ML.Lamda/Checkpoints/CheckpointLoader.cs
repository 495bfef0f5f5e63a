using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Copies checkpoint tensors into a module's parameters, one tensor at a time, converting to each parameter's
/// dtype and device. Every encoder parameter must be present with the configured shape; task-head parameters
/// that are missing, or whose shape differs (another label count), keep their fresh initialisation.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Loads <paramref name="weights"/> into <paramref name="network"/>.</summary>
    /// <param name="network">The module whose <c>named_parameters()</c> are transformers' keys.</param>
    /// <param name="weights">The checkpoint's tensors.</param>
    /// <param name="family">The architecture, for key mapping.</param>
    /// <param name="headModules">Dotted module names of the task head (e.g. <c>classifier</c>).</param>
    /// <param name="log">Receives a line for each head parameter that is freshly initialised.</param>
    /// <exception cref="CheckpointFormatException">An encoder key is missing or unexpected, or a shape disagrees with config.json.</exception>
    public static void Load(nn.Module network, CheckpointWeights weights, EncoderFamily family, IReadOnlyList<string> headModules, Action<string>? log)
    {
        var parameters = network.named_parameters().ToDictionary(pair => pair.name, pair => pair.parameter, StringComparer.Ordinal);
        var sources = MapKeys(weights, family);
        var unexpected = sources.Keys.Where(key => !parameters.ContainsKey(key)).ToList();
        if (unexpected.Count > 0)
        {
            var key = unexpected[0];
            throw new CheckpointFormatException(weights.FileOf(sources[key].Name),
                $"unexpected key '{sources[key].Name}'{(key != sources[key].Name ? $" (as '{key}')" : "")}: the {family} model built from config.json has no such parameter"
                + (unexpected.Count > 1 ? $" ({unexpected.Count} unexpected keys in all: {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")})." : "."));
        }
        bool IsHead(string name) => headModules.Any(head => name.StartsWith(head + ".", StringComparison.Ordinal));
        var missing = parameters.Keys.Where(name => !sources.ContainsKey(name) && !IsHead(name)).ToList();
        if (missing.Count > 0)
            throw new CheckpointFormatException(weights.FileOf(sources.Values.First().Name),
                $"missing key '{missing[0]}' (shape [{string.Join(", ", parameters[missing[0]].shape)}]) that config.json's {family} model needs"
                + (missing.Count > 1 ? $" ({missing.Count} missing keys in all: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")})." : "."));
        var toCopy = new List<(string Name, SafetensorsTensorInfo Source)>();
        foreach (var (name, parameter) in parameters)
        {
            if (!sources.TryGetValue(name, out var source))
            {
                log?.Invoke($"Checkpoint has no '{name}': the task head parameter is freshly initialised.");
                continue;
            }
            if (source.Shape.SequenceEqual(parameter.shape))
            {
                toCopy.Add((name, source));
                continue;
            }
            var shapes = $"checkpoint shape [{string.Join(", ", source.Shape)}], model shape [{string.Join(", ", parameter.shape)}]";
            if (!IsHead(name))
                throw new CheckpointFormatException(weights.FileOf(source.Name), $"key '{source.Name}' has {shapes} from config.json.");
            log?.Invoke($"Task head '{name}' in the checkpoint has {shapes} (another label count): it is replaced by a freshly initialised one.");
        }
        using var noGrad = torch.no_grad();
        foreach (var (name, source) in toCopy)
        {
            using var tensor = weights.Read(source.Name);
            parameters[name].copy_(tensor);
        }
    }

    private static Dictionary<string, SafetensorsTensorInfo> MapKeys(CheckpointWeights weights, EncoderFamily family)
    {
        var mapped = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        foreach (var (key, info) in weights.Tensors)
        {
            var name = CheckpointKeyMapper.Map(key, family);
            if (name is null) continue;
            if (!mapped.TryAdd(name, info))
                throw new CheckpointFormatException(weights.FileOf(key), $"keys '{mapped[name].Name}' and '{key}' both map to parameter '{name}'.");
        }
        if (mapped.Count == 0)
            throw new CheckpointFormatException(weights.Files[0], "the checkpoint holds no encoder weights.");
        return mapped;
    }
}
