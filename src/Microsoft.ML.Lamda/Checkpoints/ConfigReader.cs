using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>Typed access to the keys of a <c>config.json</c> object, with errors that name the key, the value and the file.</summary>
internal sealed class ConfigReader(JsonObject root, string source)
{
    /// <summary>The most labels a config.json may declare by count alone (each becomes a row of the classifier).</summary>
    public const int MaxLabels = 100_000;

    public int Int(string key, int fallback)
    {
        var node = root[key];
        if (node is null) return fallback;
        if (node is JsonValue value && value.TryGetValue(out long number) && number is >= int.MinValue and <= int.MaxValue)
            return (int)number;
        if (node is JsonValue real && real.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            return (int)d;
        throw Wrong(key, node, "an integer");
    }

    public double Double(string key, double fallback) => OptionalDouble(key) ?? fallback;

    public double? OptionalDouble(string key)
    {
        var node = root[key];
        if (node is null) return null;
        if (node is JsonValue value && value.TryGetValue(out double number))
            return number;
        throw Wrong(key, node, "a number");
    }

    public bool Bool(string key, bool fallback)
    {
        var node = root[key];
        if (node is null) return fallback;
        if (node is JsonValue value && value.TryGetValue(out bool flag))
            return flag;
        throw Wrong(key, node, "true or false");
    }

    public string? String(string key, string? fallback)
    {
        var node = root[key];
        if (node is null) return fallback;
        if (node is JsonValue value && value.TryGetValue(out string? text))
            return text;
        throw Wrong(key, node, "a string");
    }

    /// <summary>A list given either as a JSON array of strings or as one string joined with '|' (lower-cased, trimmed).</summary>
    public IReadOnlyList<string> SplitList(string key)
    {
        var node = root[key];
        IEnumerable<string> items = node switch
        {
            null => [],
            JsonArray array => array.Select(item => item is JsonValue v && v.TryGetValue(out string? s) ? s : throw Wrong(key, node, "a list of strings or a '|'-separated string")),
            JsonValue value when value.TryGetValue(out string? text) => text.Split('|'),
            _ => throw Wrong(key, node, "a list of strings or a '|'-separated string"),
        };
        return items.Select(item => item.Trim().ToLowerInvariant()).Where(item => item.Length > 0 && item != "none").ToArray();
    }

    /// <summary>Label names from <c>id2label</c>, else LABEL_i for <c>num_labels</c> (default 2).</summary>
    public IReadOnlyList<string> Labels()
    {
        if (root["id2label"] is JsonObject map && map.Count > 0)
        {
            var labels = new string[map.Count];
            foreach (var (id, name) in map)
            {
                if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= map.Count)
                    throw new CheckpointFormatException(source, $"'id2label' key '{id}' is not an index from 0 to {map.Count - 1}.");
                labels[index] = name is JsonValue v && v.TryGetValue(out string? text) ? text : throw Wrong($"id2label.{id}", name, "a string");
            }
            return labels;
        }
        var count = Int("num_labels", 2);
        if (count is < 1 or > MaxLabels)
            throw new CheckpointFormatException(source, $"'num_labels' must lie between 1 and {MaxLabels}, found {count}.");
        return Enumerable.Range(0, count).Select(i => $"LABEL_{i}").ToArray();
    }

    /// <summary>Refuses settings that change the architecture in ways this library does not build.</summary>
    public void RejectUnsupported(bool deberta)
    {
        var positionType = String("position_embedding_type", "absolute");
        if (positionType != "absolute")
            throw new CheckpointFormatException(source, $"'position_embedding_type' '{positionType}' is not supported; only 'absolute' is.");
        if (!deberta) return;
        if (Int("conv_kernel_size", 0) > 0)
            throw new CheckpointFormatException(source, "'conv_kernel_size' > 0 (the convolution layer of DeBERTa-v2-xlarge) is not supported.");
        var hidden = Int("hidden_size", 1536);
        if (Int("embedding_size", hidden) != hidden)
            throw new CheckpointFormatException(source, "'embedding_size' different from 'hidden_size' (an embedding projection) is not supported.");
        if (root["attention_head_size"] is not null && Int("attention_head_size", 0) * Int("num_attention_heads", 24) != hidden)
            throw new CheckpointFormatException(source, "'attention_head_size' × 'num_attention_heads' must equal 'hidden_size'.");
    }

    private CheckpointFormatException Wrong(string key, JsonNode? node, string expected) =>
        new(source, $"'{key}' is {node?.ToJsonString(new JsonSerializerOptions()) ?? "null"} but must be {expected}.");
}
