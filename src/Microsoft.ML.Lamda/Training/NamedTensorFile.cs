using System.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Writes and reads a list of named tensors: a magic string and version, the count, then per tensor its name, dtype,
/// shape and raw bytes. Reading checks every name, dtype and shape against the model's tensors before allocating
/// anything, reads them all, and only then copies them in, so a damaged file never leaves a model half-loaded.
/// </summary>
internal static class NamedTensorFile
{
    private const string Magic = "Microsoft.ML.Lamda.NamedTensors";
    private const int Version = 1;
    private const int MaxNameBytes = 4096;
    private const int MaxDimensions = 16;

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            writer.Write(nameBytes.Length);
            writer.Write(nameBytes);
            using var cpu = tensor.detach().cpu().contiguous();
            writer.Write((int)cpu.dtype);
            writer.Write(cpu.shape.Length);
            foreach (var size in cpu.shape) writer.Write(size);
            writer.Write(cpu.bytes);
        }
    }

    /// <summary>
    /// Copies the tensors stored in <paramref name="stream"/> (read from <paramref name="file"/>) into
    /// <paramref name="targets"/>, which must hold exactly the same names, dtypes and shapes.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged or was written for other tensors; the message names it.</exception>
    public static void ReadInto(Stream stream, string file, IReadOnlyDictionary<string, Tensor> targets)
    {
        var loaded = new List<(Tensor Target, Tensor Stored)>();
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != Magic)
                throw Damaged(file, "it is not a named-tensor file of this library");
            int version = reader.ReadInt32();
            if (version != Version)
                throw Damaged(file, $"its format version {version} is not supported (expected {Version})");
            int count = reader.ReadInt32();
            if (count != targets.Count)
                throw Damaged(file, $"it holds {count} tensors, expected {targets.Count}: the checkpoint was written with other settings");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < count; i++)
            {
                var name = ReadName(reader, file);
                if (!targets.TryGetValue(name, out var target))
                    throw Damaged(file, $"it holds tensor '{name}', which the model does not have: the checkpoint was written with other settings");
                if (!seen.Add(name))
                    throw Damaged(file, $"it holds tensor '{name}' twice");
                var dtype = (ScalarType)reader.ReadInt32();
                if (dtype != target.dtype)
                    throw Damaged(file, $"tensor '{name}' is stored as {dtype}, the model's is {target.dtype}");
                int dimensions = reader.ReadInt32();
                if (dimensions != target.shape.Length || dimensions > MaxDimensions)
                    throw Damaged(file, $"tensor '{name}' has {dimensions} dimensions, the model's has {target.shape.Length}");
                for (int d = 0; d < dimensions; d++)
                {
                    long size = reader.ReadInt64();
                    if (size != target.shape[d])
                        throw Damaged(file, $"tensor '{name}' has size {size} in dimension {d}, the model's has {target.shape[d]}");
                }
                var stored = empty(target.shape, target.dtype, CPU);
                loaded.Add((target, stored));
                var bytes = reader.ReadBytes(checked((int)(stored.numel() * stored.ElementSize)));
                if (bytes.Length != stored.numel() * stored.ElementSize)
                    throw Damaged(file, $"it ends in the middle of tensor '{name}' (truncated)");
                stored.bytes = bytes;
            }
            using (no_grad())
            {
                foreach (var (target, stored) in loaded)
                    target.copy_(stored);
            }
        }
        catch (EndOfStreamException e)
        {
            throw Damaged(file, "it ends too early (truncated)", e);
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException or OverflowException)
        {
            throw Damaged(file, $"it is malformed ({e.Message})", e);
        }
        finally
        {
            foreach (var (_, stored) in loaded) stored.Dispose();
        }
    }

    private static string ReadName(BinaryReader reader, string file)
    {
        int length = reader.ReadInt32();
        if (length is < 0 or > MaxNameBytes)
            throw Damaged(file, $"a tensor name is {length} bytes long (at most {MaxNameBytes})");
        var bytes = reader.ReadBytes(length);
        if (bytes.Length != length) throw new EndOfStreamException();
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
    }

    private static InvalidDataException Damaged(string file, string problem, Exception? inner = null) =>
        new($"Training checkpoint file '{file}': {problem}.", inner);
}
