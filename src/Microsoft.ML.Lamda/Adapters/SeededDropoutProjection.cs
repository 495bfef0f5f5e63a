using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// z = A · dropout(x) for a frozen A, as a custom autograd function that saves nothing of the size of x: the dropout
/// mask is regenerated in backward from a seed, and ∂x = dropout_mask ⊙ (∂z · A) / (1 − p). Plain autograd would keep
/// the d_in-sized mask alive until backward; this is what keeps LaMDA's activation memory r-dimensional with dropout on.
/// </summary>
internal sealed class SeededDropoutProjection : autograd.SingleTensorFunction<SeededDropoutProjection>
{
    private const string ProbabilityKey = "probability";
    private const string SeedKey = "seed";
    private const string ShapeKey = "shape";

    /// <inheritdoc/>
    public override string Name => nameof(SeededDropoutProjection);

    /// <summary>Applies the function; the seed is drawn from torch's default generator.</summary>
    public static Tensor Apply(Tensor input, Tensor projection, double probability)
    {
        long seed = torch.randint(0, int.MaxValue, [1], dtype: ScalarType.Int64).item<long>();
        return apply(input, projection, probability, seed);
    }

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (input, projection, probability, seed) = ((Tensor)vars[0], (Tensor)vars[1], (double)vars[2], (long)vars[3]);
        ctx.save_for_backward([projection]);
        ctx.save_data(ProbabilityKey, probability);
        ctx.save_data(SeedKey, seed);
        ctx.save_data(ShapeKey, input.shape);
        using var kept = Mask(input.shape, input.dtype, input.device, probability, seed);
        using var dropped = input * kept;
        return nn.functional.linear(dropped, projection);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var projection = ctx.get_saved_variables()[0];
        var probability = (double)ctx.get_data(ProbabilityKey);
        var seed = (long)ctx.get_data(SeedKey);
        var shape = (long[])ctx.get_data(ShapeKey);
        using var kept = Mask(shape, grad_output.dtype, grad_output.device, probability, seed);
        var gradInput = grad_output.matmul(projection).mul_(kept);
        projection.Dispose();
        return [gradInput, null!, null!, null!];
    }

    /// <summary>The scaled keep mask: 1/(1−p) where kept, 0 where dropped; identical for the same seed.</summary>
    private static Tensor Mask(long[] shape, ScalarType dtype, Device device, double probability, long seed)
    {
        using var generator = new Generator((ulong)seed, device);
        using var uniform = torch.rand(shape, ScalarType.Float32, device, generator: generator);
        using var keep = uniform.ge(probability);
        return keep.to(dtype).div_(1 - probability);
    }
}
