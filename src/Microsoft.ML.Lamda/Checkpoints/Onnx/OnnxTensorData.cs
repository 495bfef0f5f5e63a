using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using DataLocation = Onnx.TensorProto.Types.DataLocation;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// The values of ONNX tensors (initializers and Constant values): raw bytes, typed fields, or external data files
/// (<c>data_location = EXTERNAL</c>: <c>location</c>, <c>offset</c>, <c>length</c>, relative to the model's folder and
/// never outside it). Float32, float16, bfloat16 and float64 weights become float32; int32 and int64 give integers.
/// </summary>
internal sealed class OnnxTensorData(string modelPath)
{
    private readonly string _folder = Path.GetFullPath(Path.GetDirectoryName(Path.GetFullPath(modelPath))!);

    /// <summary>The ONNX file, for error messages.</summary>
    public string ModelPath { get; } = modelPath;

    /// <summary>The shape of <paramref name="tensor"/>, checked (no negative size, at most 16 dimensions, at most 2^40 elements counting zero sizes as one).</summary>
    public long[] Shape(TensorProto tensor, string what)
    {
        var dims = tensor.Dims.ToArray();
        double count = 1;
        foreach (var dim in dims)
        {
            if (dim < 0)
                throw Error($"{what} has shape [{string.Join(", ", dims)}] with a negative size.");
            count *= Math.Max(dim, 1);   // sizes beside a zero still give libtorch's strides
        }
        if (count > (1L << 40) || dims.Length > 16)
            throw Error($"{what} has shape [{string.Join(", ", dims)}], {count:G3} elements: too large.");
        return dims;
    }

    /// <summary>Whether <paramref name="tensor"/> holds floating-point values this reader converts.</summary>
    public static bool IsFloat(TensorProto tensor) => (DataType)tensor.DataType is DataType.Float or DataType.Float16 or DataType.Bfloat16 or DataType.Double;

    /// <summary>The values of a floating-point tensor as a new float32 CPU tensor; the caller disposes it.</summary>
    /// <exception cref="CheckpointFormatException">The data type is not a float type, or the data is short, long or outside the folder.</exception>
    public Tensor Float32(TensorProto tensor, string what)
    {
        var shape = Shape(tensor, what);
        long count = shape.Aggregate(1L, (product, size) => product * size);
        var type = (DataType)tensor.DataType;
        switch (type)
        {
            case DataType.Float:
                if (tensor.FloatData.Count > 0 && !HasBytes(tensor))
                    return FromTyped(tensor.FloatData.ToArray(), count, shape, what, "float_data");
                return FromBytes(Bytes(tensor, count, 4, what), ScalarType.Float32, shape);
            case DataType.Double:
                if (tensor.DoubleData.Count > 0 && !HasBytes(tensor))
                    return FromTyped(tensor.DoubleData.Select(d => (float)d).ToArray(), count, shape, what, "double_data");
                using (var doubles = FromBytes(Bytes(tensor, count, 8, what), ScalarType.Float64, shape))
                    return doubles.to(ScalarType.Float32);
            case DataType.Float16:
            case DataType.Bfloat16:
                var half = type == DataType.Float16 ? ScalarType.Float16 : ScalarType.BFloat16;
                byte[] bytes;
                if (tensor.Int32Data.Count > 0 && !HasBytes(tensor))
                {
                    if (tensor.Int32Data.Count != count)
                        throw Error($"{what} has {tensor.Int32Data.Count} values in int32_data, but its shape [{string.Join(", ", shape)}] needs {count}.");
                    bytes = new byte[count * 2];
                    for (int i = 0; i < count; i++)
                        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)tensor.Int32Data[i]);
                }
                else
                {
                    bytes = Bytes(tensor, count, 2, what);
                }
                using (var halves = FromBytes(bytes, half, shape))
                    return halves.to(ScalarType.Float32);
            default:
                throw Error($"{what} has data type {Describe(tensor.DataType)}; weights must be float32, float16, bfloat16 or float64.");
        }
    }

    /// <summary>The values of a small integer tensor (int64 or int32), for shapes and indices; null when it is not an integer tensor.</summary>
    public long[]? Integers(TensorProto tensor, string what)
    {
        var shape = Shape(tensor, what);
        long count = shape.Aggregate(1L, (product, size) => product * size);
        if (count > 1 << 16) return null;
        switch ((DataType)tensor.DataType)
        {
            case DataType.Int64:
                if (tensor.Int64Data.Count > 0 && !HasBytes(tensor))
                    return tensor.Int64Data.Count == count ? tensor.Int64Data.ToArray() : throw Error($"{what} has {tensor.Int64Data.Count} values in int64_data, but its shape needs {count}.");
                var bytes = Bytes(tensor, count, 8, what);
                return Enumerable.Range(0, (int)count).Select(i => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(i * 8))).ToArray();
            case DataType.Int32:
                if (tensor.Int32Data.Count > 0 && !HasBytes(tensor))
                    return tensor.Int32Data.Count == count ? tensor.Int32Data.Select(v => (long)v).ToArray() : throw Error($"{what} has {tensor.Int32Data.Count} values in int32_data, but its shape needs {count}.");
                var ints = Bytes(tensor, count, 4, what);
                return Enumerable.Range(0, (int)count).Select(i => (long)BinaryPrimitives.ReadInt32LittleEndian(ints.AsSpan(i * 4))).ToArray();
            default:
                return null;
        }
    }

    /// <summary>The single value of a float scalar (or one-element) tensor; null for other tensors.</summary>
    public float? Scalar(TensorProto tensor, string what)
    {
        if (!IsFloat(tensor) || tensor.Dims.Aggregate(1L, (product, size) => product * size) != 1) return null;
        using var value = Float32(tensor, what);
        return value.flatten()[0].item<float>();
    }

    private static bool HasBytes(TensorProto tensor) => tensor.RawData.Length > 0 || tensor.DataLocation == DataLocation.External;

    private byte[] Bytes(TensorProto tensor, long count, int elementSize, string what)
    {
        long expected = count * elementSize;
        if (tensor.DataLocation == DataLocation.External)
            return External(tensor, expected, what);
        if (tensor.RawData.Length != expected)
            throw Error($"{what} holds {tensor.RawData.Length:N0} bytes of raw data, but its shape [{string.Join(", ", tensor.Dims)}] of {Describe(tensor.DataType)} needs {expected:N0} (truncated or damaged).");
        return tensor.RawData.ToByteArray();
    }

    private byte[] External(TensorProto tensor, long expected, string what)
    {
        var entries = tensor.ExternalData.ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        if (!entries.TryGetValue("location", out var location) || location.Length == 0)
            throw Error($"{what} is stored as external data but names no 'location'.");
        string path;
        try
        {
            path = Path.GetFullPath(Path.Combine(_folder, location));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CheckpointFormatException(ModelPath, $"{what} names external data file '{location.Replace("\0", "\\0", StringComparison.Ordinal)}', which is not a valid file name ({e.Message}).", e);
        }
        if (location.Contains('\0') || Path.IsPathRooted(location) || !path.StartsWith(_folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw Error($"{what} names external data file '{location}', which is not inside the model's folder '{_folder}'.");
        long offset = Number(entries, "offset", 0, what);
        var file = new FileInfo(path);
        if (!file.Exists)
            throw Error($"{what} is stored in external data file '{location}', which does not exist beside the model.");
        long length = Number(entries, "length", file.Length - offset, what);
        if (length != expected)
            throw Error($"{what} is stored as {length:N0} bytes of external data in '{location}', but its shape [{string.Join(", ", tensor.Dims)}] of {Describe(tensor.DataType)} needs {expected:N0}.");
        if (offset > file.Length || length > file.Length - offset)
            throw Error($"{what} lies at bytes {offset:N0} to {offset + length:N0} of external data file '{location}', which has only {file.Length:N0} bytes (truncated).");
        if (expected > Array.MaxLength)
            throw Error($"{what} is {expected:N0} bytes, more than one tensor read here may hold.");
        var bytes = new byte[expected];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            stream.Position = offset;
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(ModelPath, $"{what}: reading external data file '{location}' failed ({e.Message}).", e);
        }
        return bytes;
    }

    private long Number(Dictionary<string, string> entries, string key, long fallback, string what)
    {
        if (!entries.TryGetValue(key, out var text)) return fallback;
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error($"{what} has external data '{key}' = '{text}'; expected a non-negative integer.");
    }

    private Tensor FromTyped(float[] values, long count, long[] shape, string what, string field)
    {
        if (values.Length != count)
            throw Error($"{what} has {values.Length} values in {field}, but its shape [{string.Join(", ", shape)}] needs {count}.");
        return torch.tensor(values, shape);
    }

    private static Tensor FromBytes(byte[] bytes, ScalarType type, long[] shape)
    {
        var tensor = torch.empty(shape, type, torch.CPU);
        if (bytes.Length > 0)
            bytes.AsSpan().CopyTo(tensor.bytes);
        return tensor;
    }

    private static string Describe(int dataType) => Enum.IsDefined(typeof(DataType), dataType) ? ((DataType)dataType).ToString().ToLowerInvariant() : $"code {dataType}";

    private CheckpointFormatException Error(string problem) => new(ModelPath, problem);
}
