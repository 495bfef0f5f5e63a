namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">The dtype name as the file spells it (<c>F32</c>, <c>F16</c>, <c>BF16</c>).</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Begin">Start of the tensor's bytes, relative to the start of the data section.</param>
/// <param name="End">End (exclusive) of the tensor's bytes, relative to the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>The number of bytes the tensor takes.</summary>
    public long ByteLength => End - Begin;
}
