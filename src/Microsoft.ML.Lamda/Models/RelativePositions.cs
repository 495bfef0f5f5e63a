using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>DeBERTa's relative positions (<c>build_relative_position</c>) with log buckets (<c>make_log_bucket_position</c>).</summary>
/// <remarks>
/// The matrix for a length is the top-left corner of the matrix for any longer length (entry (q, k) depends on q − k
/// only), so one matrix per (buckets, maximum position, device), as long as the longest length asked for so far, is
/// kept on the device and every call returns a view of its corner: no host work and no copy per forward pass.
/// </remarks>
internal static class RelativePositions
{
    private static readonly ConcurrentDictionary<(int Buckets, int MaxPosition, DeviceType Type, int Index), Tensor> Cache = new();
    private static readonly Lock Gate = new();
    private static readonly ConcurrentDictionary<(int Buckets, int MaxPosition), long> HostBuilds = new();

    /// <summary>How many matrices with these settings were computed on the host and copied to a device so far (for tests of the cache).</summary>
    internal static long HostBuildCount(int bucketSize, int maxPosition) => HostBuilds.GetValueOrDefault((bucketSize, maxPosition));

    /// <summary>
    /// The [length, length] matrix of <c>query - key</c>, log-bucketed when both <paramref name="bucketSize"/>
    /// and <paramref name="maxPosition"/> are positive, as an int64 tensor on <paramref name="device"/> (a view of the
    /// cached matrix: do not modify it).
    /// </summary>
    public static Tensor Build(long length, int bucketSize, int maxPosition, Device device)
    {
        var key = (bucketSize, maxPosition, device.type, Math.Max(device.index, 0));
        if (!Cache.TryGetValue(key, out var cached) || cached.shape[0] < length)
        {
            lock (Gate)
            {
                if (!Cache.TryGetValue(key, out cached) || cached.shape[0] < length)
                {
                    // Grow to at least twice the old length, so that a run of rising lengths copies little.
                    long size = Math.Max(length, cached is null ? length : 2 * cached.shape[0]);
                    var values = Compute(size, bucketSize, maxPosition);
                    using var host = torch.tensor(values, [size, size], ScalarType.Int64);
                    var fresh = host.to(device).DetachFromDisposeScope();
                    HostBuilds.AddOrUpdate((bucketSize, maxPosition), 1, (_, n) => n + 1);
                    // A replaced matrix may still be referenced by views in use; it is left to the finalizer.
                    Cache[key] = fresh;
                    cached = fresh;
                }
            }
        }
        return cached.narrow(0, 0, length).narrow(1, 0, length);
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
