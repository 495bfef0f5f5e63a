using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>DeBERTa's relative positions (<c>build_relative_position</c>) with log buckets (<c>make_log_bucket_position</c>).</summary>
internal static class RelativePositions
{
    private static readonly ConcurrentDictionary<(long Length, int Buckets, int MaxPosition), long[]> Cache = new();

    /// <summary>
    /// The [length, length] matrix of <c>query - key</c>, log-bucketed when both <paramref name="bucketSize"/>
    /// and <paramref name="maxPosition"/> are positive, as an int64 tensor on <paramref name="device"/>.
    /// </summary>
    public static Tensor Build(long length, int bucketSize, int maxPosition, Device device)
    {
        var values = Cache.GetOrAdd((length, bucketSize, maxPosition), key => Compute(key.Length, key.Buckets, key.MaxPosition));
        return torch.tensor(values, [length, length], ScalarType.Int64, device);
    }

    /// <summary>transformers' <c>make_log_bucket_position</c> for one relative position (computed in float64, as numpy does).</summary>
    public static long Bucket(long relative, int bucketSize, int maxPosition)
    {
        var mid = bucketSize / 2;
        var absolute = relative < mid && relative > -mid ? mid - 1 : Math.Abs(relative);
        if (absolute <= mid)
            return relative;
        var log = Math.Ceiling(Math.Log(absolute / (double)mid) / Math.Log((maxPosition - 1) / (double)mid) * (mid - 1)) + mid;
        return (long)(log * Math.Sign(relative));
    }

    private static long[] Compute(long length, int bucketSize, int maxPosition)
    {
        var values = new long[length * length];
        for (long query = 0; query < length; query++)
        {
            for (long key = 0; key < length; key++)
            {
                var relative = query - key;
                values[query * length + key] = bucketSize > 0 && maxPosition > 0 ? Bucket(relative, bucketSize, maxPosition) : relative;
            }
        }
        return values;
    }
}
