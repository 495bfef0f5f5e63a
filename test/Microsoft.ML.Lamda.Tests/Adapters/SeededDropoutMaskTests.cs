using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

/// <summary>
/// The adapter dropout mask of <see cref="SeededDropoutProjection"/>: a pure function of (seed, element index) built from
/// integer tensor operations (so it needs no generator and runs on any device), the same in forward and backward, with
/// the requested keep rate, and a backward that leaves no tensor behind on a thread without a dispose scope.
/// </summary>
public class SeededDropoutMaskTests
{
    [Fact]
    public void ForwardAndBackwardApplyTheSameMask()
    {
        const int rows = 40, width = 48;
        const double p = 0.3;
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(rows, width).requires_grad_();
        var identity = torch.eye(width);
        var z = SeededDropoutProjection.apply(x, identity, p, 1234L);   // z = mask ⊙ 1 · I = the forward mask
        torch.manual_seed(99);                                          // the default generator must not matter
        z.backward([torch.ones(rows, width)]);                          // ∂x = mask ⊙ (1 · I) = the backward mask
        var forwardMask = z.detach();
        var backwardMask = x.grad!;
        Assert.True(TensorAssert.BitIdentical(forwardMask, backwardMask), "forward and backward used different masks");
        var expected = SeededDropoutProjection.ScaledMask([rows, width], ScalarType.Float32, torch.CPU, p, 1234L);
        Assert.True(TensorAssert.BitIdentical(expected, forwardMask));
        double keptRate = forwardMask.gt(0).to(ScalarType.Float32).mean().item<float>();
        Assert.InRange(keptRate, 0.5, 0.9);
        Assert.Equal(1 / (1 - p), forwardMask.max().item<float>(), 1e-6);
    }

    [Fact]
    public void MaskIsAPureFunctionOfSeedAndElementIndex()
    {
        using var scope = torch.NewDisposeScope();
        const long seed = 77;
        torch.manual_seed(1);
        var flat = SeededDropoutProjection.KeepMask([6 * 35], torch.CPU, 0.4, seed);
        torch.manual_seed(2);
        var shaped = SeededDropoutProjection.KeepMask([6, 5, 7], torch.CPU, 0.4, seed);
        Assert.True(flat.eq(shaped.flatten()).all().item<bool>(), "the mask depends on more than (seed, element index)");
        var other = SeededDropoutProjection.KeepMask([6 * 35], torch.CPU, 0.4, seed + 1);
        Assert.False(flat.eq(other).all().item<bool>(), "another seed gave the same mask");

        // The tensor arithmetic equals the same hash computed on the host in unsigned 64-bit integers, element by element:
        // no int64 overflow, no floating point, nothing device-specific.
        var values = flat.data<bool>().ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(HostKeep(seed, i, 0.4), values[i]);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void KeepRateAndIndependenceOfNeighbours(double p)
    {
        const long count = 1 << 20;
        using var scope = torch.NewDisposeScope();
        var keep = SeededDropoutProjection.KeepMask([count], torch.CPU, p, 4242).to(ScalarType.Float32);
        double rate = keep.mean().item<float>();
        double pairs = (keep.narrow(0, 0, count - 1) * keep.narrow(0, 1, count - 1)).mean().item<float>();
        var otherSeed = SeededDropoutProjection.KeepMask([count], torch.CPU, p, 4243).to(ScalarType.Float32);
        double both = (keep * otherSeed).mean().item<float>();
        // Binomial standard deviation at 2^20 draws is at most 0.0005; the bounds are 6 of them.
        Assert.InRange(rate, 1 - p - 0.003, 1 - p + 0.003);
        Assert.InRange(pairs, (1 - p) * (1 - p) - 0.003, (1 - p) * (1 - p) + 0.003);
        Assert.InRange(both, (1 - p) * (1 - p) - 0.003, (1 - p) * (1 - p) + 0.003);
    }

    [Fact]
    public void BackwardOnAThreadWithoutDisposeScopeLeavesNoMoreTensorsThanAPlainProjection()
    {
        // libtorch runs CUDA backward on its own thread, outside the training loop's dispose scope: whatever a custom
        // backward makes and does not dispose lives until a finalizer runs. On CPU backward runs on the calling thread,
        // so a thread without a scope shows the same. The control is a custom function whose backward makes only the
        // gradient it returns: TorchSharp's wrapper of grad_output and that gradient are the irreducible handles.
        long dropout = HandlesLeftByBackward((x, a) => SeededDropoutProjection.apply(x, a, 0.25, 5L));
        long plain = HandlesLeftByBackward((x, a) => PlainProjection.apply(x, a));
        Assert.InRange(plain, 0, 2);
        Assert.Equal(plain, dropout);
    }

    private static long HandlesLeftByBackward(Func<Tensor, Tensor, Tensor> project)
    {
        long left = -1;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var x = torch.randn(8, 16).requires_grad_();
                var a = torch.randn(4, 16);
                var z = project(x, a);
                var loss = z.sum();
                var statistics = DisposeScopeManager.Statistics;
                long before = statistics.CreatedOutsideScopeCount - statistics.DisposedOutsideScopeCount;
                loss.backward();
                left = statistics.CreatedOutsideScopeCount - statistics.DisposedOutsideScopeCount - before;
                foreach (var t in new[] { loss, z, a, x }) t.Dispose();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
        return left;
    }

    /// <summary>z = x Aᵀ with the least a custom backward can make: the returned gradient.</summary>
    private sealed class PlainProjection : autograd.SingleTensorFunction<PlainProjection>
    {
        public override string Name => nameof(PlainProjection);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_for_backward([(Tensor)vars[1]]);
            return nn.functional.linear((Tensor)vars[0], (Tensor)vars[1]);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            var gradInput = grad_output.matmul(saved[0]);
            foreach (var t in saved) t.Dispose();
            return [gradInput, null!];
        }
    }

    private static bool HostKeep(long seed, long index, double p)
    {
        ulong s = (ulong)seed + 0x9E3779B97F4A7C15UL;
        s = (s ^ (s >> 30)) * 0xBF58476D1CE4E5B9UL;
        s = (s ^ (s >> 27)) * 0x94D049BB133111EBUL;
        s ^= s >> 31;
        ulong h = ((ulong)index & 0xFFFFFFFFUL) ^ (s & 0xFFFFFFFFUL);
        h = Mix(h) ^ (s >> 32);
        h = Mix(h);
        return h >= (ulong)SeededDropoutProjection.DropThreshold(p);

        static ulong Mix(ulong x)
        {
            for (int round = 0; round < 2; round++)
            {
                x ^= x >> 16;
                x = x * 0x045D9F3BUL & 0xFFFFFFFFUL;
            }
            return x ^ (x >> 16);
        }
    }
}
