using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>Writes tensors to a <c>.safetensors</c> file (little-endian, header padded to 8 bytes, as the reference implementation writes it).</summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>, one at a time.
    /// </summary>
    /// <param name="path">The file to create (overwritten when it exists).</param>
    /// <param name="tensors">Keys and tensors, in the order to store them; any device, any supported floating dtype.</param>
    /// <param name="storeAs">The dtype to store every tensor in (float32, float16 or bfloat16); null keeps each tensor's own dtype.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> entries.</param>
    /// <exception cref="ArgumentException">A key repeats, or a dtype cannot be stored.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, ScalarType? storeAs = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)pair.Value)));
        long offset = 0;
        foreach (var (name, tensor) in entries)
        {
            var type = storeAs ?? tensor.dtype;
            var dtype = SafetensorsDType.NameOf(type)
                ?? throw new ArgumentException($"Tensor '{name}' has dtype {type}; safetensors files written here hold float32, float16 or bfloat16.", nameof(tensors));
            if (header.ContainsKey(name))
                throw new ArgumentException($"Tensor key '{name}' appears twice.", nameof(tensors));
            var length = tensor.numel() * SafetensorsDType.ElementSize(dtype);
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensor.shape.Select(size => (JsonNode?)size).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++)
            stream.WriteByte((byte)' ');
        foreach (var (_, tensor) in entries)
        {
            using var scope = torch.NewDisposeScope();
            var stored = tensor.detach().to(storeAs ?? tensor.dtype).cpu().contiguous();
            stream.Write(stored.bytes);
        }
    }
}
