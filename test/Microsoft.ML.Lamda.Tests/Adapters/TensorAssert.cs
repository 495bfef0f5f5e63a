using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

internal static class TensorAssert
{
    /// <summary>max |expected − actual| ≤ relative · max |expected|.</summary>
    public static void Close(Tensor expected, Tensor actual, double relative)
    {
        double error = (expected - actual).abs().max().item<float>();
        double scale = Math.Max(expected.abs().max().item<float>(), 1e-12);
        Assert.True(error <= relative * scale, $"max |difference| {error:E3} exceeds {relative:E1} x max |expected| {scale:E3}.");
    }

    /// <summary>Same shape, dtype and bytes.</summary>
    public static bool BitIdentical(Tensor a, Tensor b)
    {
        using var ca = a.contiguous();
        using var cb = b.contiguous();
        return a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && ca.bytes.SequenceEqual(cb.bytes);
    }
}
