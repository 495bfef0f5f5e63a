using Microsoft.ML.Lamda.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Models;

/// <summary>DeBERTa's relative positions are built on the host once per device (and growth), then served as views.</summary>
public class RelativePositionCacheTests
{
    [Fact]
    public void MatricesAreBuiltOnceAndServedAsCornersOfTheCachedOne()
    {
        // Settings no other test uses, so that the build count is this test's alone.
        const int buckets = 6, maxPosition = 37;
        Assert.Equal(0, RelativePositions.HostBuildCount(buckets, maxPosition));
        using var scope = torch.NewDisposeScope();
        foreach (var length in new long[] { 10, 7, 10, 1, 9 })
        {
            var matrix = RelativePositions.Build(length, buckets, maxPosition, torch.CPU);
            AssertMatchesReference(matrix, length);
        }
        Assert.Equal(1, RelativePositions.HostBuildCount(buckets, maxPosition));

        var longer = RelativePositions.Build(25, buckets, maxPosition, torch.CPU); // grows: one more build
        AssertMatchesReference(longer, 25);
        AssertMatchesReference(RelativePositions.Build(12, buckets, maxPosition, torch.CPU), 12);
        Assert.Equal(2, RelativePositions.HostBuildCount(buckets, maxPosition));
    }

    private static void AssertMatchesReference(Tensor matrix, long length)
    {
        Assert.Equal([length, length], matrix.shape);
        var values = matrix.contiguous().data<long>().ToArray();
        for (long q = 0; q < length; q++)
            for (long k = 0; k < length; k++)
                Assert.Equal(RelativePositions.Bucket(q - k, 6, 37), values[q * length + k]);
    }
}
