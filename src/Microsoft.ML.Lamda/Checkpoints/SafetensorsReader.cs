using System.Buffers.Binary;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Reads a <c>.safetensors</c> file tensor by tensor: the header is parsed and validated when the file is opened,
/// and each <see cref="Read(string)"/> copies one tensor's bytes from the file straight into a new CPU tensor,
/// so a large checkpoint is never held in memory twice.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    private const int ChunkBytes = 16 << 20;
    private readonly FileStream _stream;
    private readonly SafetensorsHeader _header;
    private readonly long _dataStart;

    private SafetensorsReader(string path, FileStream stream, SafetensorsHeader header, long dataStart)
    {
        FilePath = path;
        _stream = stream;
        _header = header;
        _dataStart = dataStart;
    }

    /// <summary>The file this reader reads.</summary>
    public string FilePath { get; }

    /// <summary>Every tensor of the file by key, in header order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _header.Tensors;

    /// <summary>The header's <c>__metadata__</c> entries (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Opens <paramref name="path"/> and validates its header against the file's length.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is not a valid safetensors file of a supported dtype.</exception>
    public static SafetensorsReader Open(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        try
        {
            var length = stream.Length;
            if (length < 8)
                throw new CheckpointFormatException(path, $"the file is {length} bytes long, too short for the 8-byte header length of the safetensors format.");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
                throw new CheckpointFormatException(path, $"the header length {headerLength} exceeds the limit of {SafetensorsHeader.MaxHeaderBytes} bytes (not a safetensors file, or a corrupt one).");
            if ((long)headerLength > length - 8)
                throw new CheckpointFormatException(path, $"the header length {headerLength} runs past the end of the file ({length} bytes): the file is truncated or not a safetensors file.");
            var json = new byte[headerLength];
            stream.ReadExactly(json);
            var dataStart = 8 + (long)headerLength;
            var header = SafetensorsHeader.Parse(json, length - dataStart, path);
            return new SafetensorsReader(path, stream, header, dataStart);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    /// <summary>
    /// Reads tensor <paramref name="name"/> into a new CPU tensor of the file's dtype and shape.
    /// The caller owns (and disposes) the result.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public Tensor Read(string name)
    {
        if (!_header.Tensors.TryGetValue(name, out var info))
            throw new KeyNotFoundException($"{FilePath}: no tensor named '{name}'.");
        SafetensorsDType.TryGetScalarType(info.DType, out var type);
        var tensor = torch.empty(info.Shape.ToArray(), type, torch.CPU);
        try
        {
            ReadInto(tensor, info);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private void ReadInto(Tensor tensor, SafetensorsTensorInfo info)
    {
        using var flat = tensor.view(-1);
        var elementSize = SafetensorsDType.ElementSize(info.DType);
        var chunkElements = ChunkBytes / elementSize;
        _stream.Position = _dataStart + info.Begin;
        for (long start = 0; start < flat.shape[0]; start += chunkElements)
        {
            using var chunk = flat.narrow(0, start, Math.Min(chunkElements, flat.shape[0] - start));
            try
            {
                _stream.ReadExactly(chunk.bytes);
            }
            catch (EndOfStreamException e)
            {
                throw new CheckpointFormatException(FilePath, $"tensor '{info.Name}': the file ended while reading its bytes (truncated).", e);
            }
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();
}
