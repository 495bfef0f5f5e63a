using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// z = A · dropout(x) for a frozen A, as a custom autograd function that saves nothing of the size of x: the dropout
/// mask is regenerated in backward from a seed, and ∂x = dropout_mask ⊙ (∂z · A) / (1 − p). Plain autograd would keep
/// the d_in-sized mask alive until backward; this is what keeps LaMDA's activation memory r-dimensional with dropout on.
/// </summary>
/// <remarks>
/// The mask is a pure function of (seed, element index), computed with integer tensor operations on the input's own
/// device (<see cref="KeepMask"/>): no random-number generator is involved, so forward and backward see the same mask
/// on CPU and GPU alike (a CPU <c>Generator</c> cannot drive a CUDA <c>rand</c>). Backward may run on libtorch's own
/// thread, outside any dispose scope, so every tensor it makes is disposed explicitly except the gradient it returns.
/// </remarks>
internal sealed class SeededDropoutProjection : autograd.SingleTensorFunction<SeededDropoutProjection>
{
    private const string ProbabilityKey = "probability";
    private const string SeedKey = "seed";
    private const string ShapeKey = "shape";
    private const long Low32Bits = 0xFFFF_FFFFL;
    private const long MixMultiplier = 0x045D_9F3BL; // < 2^31, so a 32-bit value times it stays below 2^63

    /// <inheritdoc/>
    public override string Name => nameof(SeededDropoutProjection);

    /// <summary>Applies the function; the seed is drawn from torch's default (CPU) generator.</summary>
    public static Tensor Apply(Tensor input, Tensor projection, double probability)
    {
        using var draw = torch.randint(0, int.MaxValue, [1], dtype: ScalarType.Int64);
        return apply(input, projection, probability, draw.item<long>());
    }

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (input, projection, probability, seed) = ((Tensor)vars[0], (Tensor)vars[1], (double)vars[2], (long)vars[3]);
        ctx.save_for_backward([projection]);
        ctx.save_data(ProbabilityKey, probability);
        ctx.save_data(SeedKey, seed);
        ctx.save_data(ShapeKey, input.shape);
        using var kept = ScaledMask(input.shape, input.dtype, input.device, probability, seed);
        using var dropped = input * kept;
        return nn.functional.linear(dropped, projection);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        try
        {
            var projection = saved[0];
            var probability = (double)ctx.get_data(ProbabilityKey);
            var seed = (long)ctx.get_data(SeedKey);
            var shape = (long[])ctx.get_data(ShapeKey);
            using var kept = ScaledMask(shape, grad_output.dtype, grad_output.device, probability, seed);
            var gradInput = grad_output.matmul(projection).mul_(kept);
            return [gradInput, null!, null!, null!];
        }
        finally
        {
            foreach (var t in saved) t.Dispose();
        }
    }

    /// <summary>The scaled keep mask: 1/(1−p) where kept, 0 where dropped; identical for the same seed and shape.</summary>
    internal static Tensor ScaledMask(long[] shape, ScalarType dtype, Device device, double probability, long seed)
    {
        using var keep = KeepMask(shape, device, probability, seed);
        return keep.to(dtype).div_(1 - probability);
    }

    /// <summary>
    /// Which elements dropout keeps (bool, <paramref name="shape"/>): element i is kept when a 32-bit integer hash of
    /// (seed, i) is at least p·2³², so each element is kept with probability 1 − p, independently of the others as far
    /// as the hash mixes. Built from int64 tensor operations (xor, multiply, remainder, floor division) on <paramref name="device"/>;
    /// every intermediate is disposed here.
    /// </summary>
    internal static Tensor KeepMask(long[] shape, Device device, double probability, long seed)
    {
        ulong seedBits = SplitMix64((ulong)seed);
        long seedLow = (long)(seedBits & Low32Bits), seedHigh = (long)(seedBits >> 32);
        long count = shape.Aggregate(1L, (product, size) => product * size);
        using var index = torch.arange(count, ScalarType.Int64, device);
        using var hash = index.remainder(1L << 32);
        Xor(hash, seedLow);
        Mix(hash);
        if (count > Low32Bits)
        {
            // Indices past 2^32 fold their high half in, so that the mask does not repeat every 2^32 elements.
            using var high = index.div(1L << 32, RoundingMode.floor);
            hash.bitwise_xor_(high);
        }
        Xor(hash, seedHigh);
        Mix(hash);
        using var keep = hash.ge(DropThreshold(probability));
        return keep.reshape(shape);
    }

    /// <summary>A 32-bit integer mixing function (xor-shift, multiply, xor-shift, multiply, xor-shift), in place, values in [0, 2³²).</summary>
    /// <summary>The 32-bit hash value below which an element is dropped: p · 2^32, rounded.</summary>
    internal static long DropThreshold(double probability) => (long)Math.Round(probability * 4294967296.0);

    private static void Mix(Tensor x)
    {
        for (int round = 0; round < 2; round++)
        {
            using (var shifted = x.div(1L << 16, RoundingMode.floor)) x.bitwise_xor_(shifted);
            x.mul_(MixMultiplier).remainder_(1L << 32);
        }
        using (var shifted = x.div(1L << 16, RoundingMode.floor)) x.bitwise_xor_(shifted);
    }

    /// <summary>x ^= value, in place; the value goes in as a zero-dimensional CPU tensor, which libtorch accepts as a scalar on any device.</summary>
    private static void Xor(Tensor x, long value)
    {
        using var scalar = torch.tensor(value);
        x.bitwise_xor_(scalar);
    }

    /// <summary>SplitMix64's finalizer: spreads a seed over 64 bits (on the host).</summary>
    private static ulong SplitMix64(ulong value)
    {
        value += 0x9E37_79B9_7F4A_7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return value ^ (value >> 31);
    }
}
