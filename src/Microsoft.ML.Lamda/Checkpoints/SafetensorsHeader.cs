using System.Text.Json;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// The parsed and validated JSON header of a safetensors file: every tensor's dtype, shape and byte range,
/// plus the optional <c>__metadata__</c> string map.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>The largest header this library accepts (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors by key, in file order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Parses <paramref name="json"/> and checks every entry against a data section of <paramref name="dataLength"/> bytes.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Anything about the header is wrong; the message names <paramref name="file"/>.</exception>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string file)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            return FromDocument(document, dataLength, file);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // Malformed JSON, invalid UTF-8, or escapes that decode to invalid text.
            throw new CheckpointFormatException(file, $"the safetensors header is not valid JSON ({e.Message}).", e);
        }
    }

    private static SafetensorsHeader FromDocument(JsonDocument document, long dataLength, string file)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(file, $"the safetensors header must be a JSON object, found {document.RootElement.ValueKind}.");
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                ReadMetadata(property.Value, metadata, file);
                continue;
            }
            var info = ReadTensor(property.Name, property.Value, dataLength, file);
            if (!tensors.TryAdd(info.Name, info))
                throw new CheckpointFormatException(file, $"tensor '{info.Name}' appears twice in the safetensors header.");
        }
        CheckNoOverlap(tensors.Values, file);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(file, $"'{MetadataKey}' must be a JSON object of strings, found {value.ValueKind}.");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointFormatException(file, $"'{MetadataKey}' entry '{entry.Name}' must be a string, found {entry.Value.ValueKind}.");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string name, JsonElement value, long dataLength, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointFormatException(file, $"tensor '{name}': the header entry must be a JSON object, found {value.ValueKind}.");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointFormatException(file, $"tensor '{name}': the header entry has no string 'dtype'.");
        var dtype = dtypeElement.GetString()!;
        if (!SafetensorsDType.TryGetScalarType(dtype, out _))
        {
            var kind = SafetensorsDType.IsKnownUnsupported(dtype) ? "unsupported dtype" : "unknown dtype";
            throw new CheckpointFormatException(file, $"tensor '{name}' has {kind} '{dtype}'; supported dtypes are {string.Join(", ", SafetensorsDType.SupportedNames)}.");
        }
        var shape = ReadLongArray(name, value, "shape", file);
        var offsets = ReadLongArray(name, value, "data_offsets", file);
        if (offsets.Length != 2)
            throw new CheckpointFormatException(file, $"tensor '{name}': 'data_offsets' must hold two numbers [begin, end], found {offsets.Length}.");
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
            throw new CheckpointFormatException(file, $"tensor '{name}': data_offsets [{begin}, {end}] end before they begin.");
        if (end > dataLength)
            throw new CheckpointFormatException(file, $"tensor '{name}': data_offsets [{begin}, {end}] lie outside the data section of {dataLength} bytes (the file is truncated or the header is wrong).");
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (product, size) => checked(product * size)) * SafetensorsDType.ElementSize(dtype));
        }
        catch (OverflowException e)
        {
            throw new CheckpointFormatException(file, $"tensor '{name}': shape [{string.Join(", ", shape)}] is too large.", e);
        }
        if (expected != end - begin)
            throw new CheckpointFormatException(file, $"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes but data_offsets [{begin}, {end}] hold {end - begin}.");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] ReadLongArray(string name, JsonElement value, string field, string file)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new CheckpointFormatException(file, $"tensor '{name}': the header entry has no array '{field}'.");
        var result = new long[array.GetArrayLength()];
        int index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
                throw new CheckpointFormatException(file, $"tensor '{name}': '{field}' must hold non-negative integers, found {item.GetRawText()}.");
            result[index++] = number;
        }
        return result;
    }

    private static void CheckNoOverlap(IEnumerable<SafetensorsTensorInfo> tensors, string file)
    {
        SafetensorsTensorInfo? previous = null;
        foreach (var tensor in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin))
        {
            if (previous is not null && tensor.Begin < previous.End)
                throw new CheckpointFormatException(file, $"tensors '{previous.Name}' [{previous.Begin}, {previous.End}] and '{tensor.Name}' [{tensor.Begin}, {tensor.End}] overlap in the data section.");
            previous = tensor;
        }
    }
}
