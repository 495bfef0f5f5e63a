using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Measures this machine's matrix-multiply throughput, the yardstick for achieved FLOP/s.</summary>
internal static class GemmPeak
{
    /// <summary>Best FLOP/s of repeated square matrix products of size <paramref name="n"/> in <paramref name="dtype"/>.</summary>
    public static double Measure(ScalarType dtype, Device device, int n = 1024, int repeats = 8)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(n, n, dtype: dtype, device: device);
        var b = randn(n, n, dtype: dtype, device: device);
        mm(a, b).Dispose(); // warm-up
        double best = 0;
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            using (var c = mm(a, b))
            {
                if (device.type == DeviceType.CUDA) cuda.synchronize(device);
            }
            double seconds = watch.Elapsed.TotalSeconds;
            best = Math.Max(best, 2.0 * n * n * n / seconds);
        }
        return best;
    }
}
