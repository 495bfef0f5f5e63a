using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

/// <summary>
/// Proves that a LaMDA layer's backward keeps nothing of the size of its d_in-dimensional input, where LoRA keeps the
/// input (and, with dropout, its mask). Method: forward a large non-leaf input that requires a gradient, drop every C#
/// handle to it, and measure how much memory stays resident (VmRSS) until backward: a tensor saved for backward keeps
/// its storage alive. Tensors this large are served by mmap, so freed storage leaves the resident set at once.
/// </summary>
[Collection(nameof(MemoryMeasurementCollection))]
public class ActivationMemoryTests(ITestOutputHelper output)
{
    private const int InFeatures = 4096;
    private const int OutFeatures = 16;
    private const int Rows = 4096; // input: 4096 x 4096 float32 = 64 MiB
    private const double InputMiB = (double)InFeatures * Rows * sizeof(float) / (1 << 20);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void LamdaBackwardKeepsNoInputSizedTensorWhileLoraKeepsTheInput(double dropout)
    {
        torch.manual_seed(1);
        double lamdaMiB = RetainedMiB(linear => new LamdaLinear(linear, rank: 8, dropout: dropout));
        double loraMiB = RetainedMiB(linear => new LoraLinear(linear, rank: 8, dropoutProbability: dropout));

        output.WriteLine($"dropout {dropout}: retained until backward: LaMDA {lamdaMiB:F1} MiB, LoRA {loraMiB:F1} MiB, input {InputMiB:F0} MiB");
        Assert.True(lamdaMiB < 0.1 * InputMiB, $"LaMDA kept {lamdaMiB:F1} MiB alive after forward (input {InputMiB:F0} MiB).");
        Assert.True(loraMiB > 0.75 * InputMiB, $"LoRA kept only {loraMiB:F1} MiB alive (input {InputMiB:F0} MiB): the measurement does not see saved tensors.");
    }

    [Fact]
    public void SeededDropoutGradientMatchesPlainDropoutWithTheSameMask()
    {
        torch.manual_seed(3);
        using var linear = nn.Linear(32, 24);
        using var layer = new LamdaLinear(linear, rank: 4, dropout: 0.5);
        layer.train();
        using var x = torch.randn(5, 32).requires_grad_();
        using var y = layer.call(x);
        y.sum().backward();
        // Rows of A project the kept inputs: ∂x = mask/(1−p) ⊙ (∂z A); where the mask dropped an input the gradient is exactly 0,
        // and where it kept it the gradient is 2x the no-dropout gradient.
        using var x2 = x.detach().clone().requires_grad_();
        layer.eval();
        using var y2 = layer.call(x2);
        y2.sum().backward();
        var adapterGrad = x.grad! - MainPathGrad(layer, x.shape);
        var plainAdapterGrad = x2.grad! - MainPathGrad(layer, x.shape);
        var dropped = adapterGrad.abs().lt(1e-7);
        var scaled = adapterGrad.masked_select(dropped.logical_not()) / plainAdapterGrad.masked_select(dropped.logical_not());
        Assert.InRange(dropped.to(ScalarType.Float32).mean().item<float>(), 0.3f, 0.7f);
        Assert.True(scaled.sub(2).abs().max().item<float>() < 1e-3f);
    }

    private static Tensor MainPathGrad(LamdaLinear layer, long[] shape)
    {
        using var x = torch.zeros(shape).requires_grad_();
        torch.nn.functional.linear(x, layer.ResidualWeight).sum().backward();
        return x.grad!.clone();
    }

    private static double RetainedMiB(Func<TorchSharp.Modules.Linear, torch.nn.Module<Tensor, Tensor>> wrap)
    {
        using var linear = nn.Linear(InFeatures, OutFeatures);
        using var layer = wrap(linear);
        layer.train();
        // Autograd must be recording for saved tensors to exist; grad mode is per thread, and xunit reuses threads.
        using var grad = torch.enable_grad();
        using var scope = torch.NewDisposeScope();
        long before = ResidentBytes();
        // A hidden state that requires a gradient but is not a leaf (a leaf is held by its AccumulateGrad node anyway).
        var shift = torch.zeros(InFeatures).requires_grad_();
        var sample = torch.randn(Rows, InFeatures);
        var x = sample + shift;
        sample.Dispose();
        var y = layer.call(x);
        x.Dispose();
        long after = ResidentBytes();
        y.sum().backward();
        return (after - before) / (double)(1 << 20);
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}

/// <summary>Memory measurements run alone, not beside other tests that allocate.</summary>
[CollectionDefinition(nameof(MemoryMeasurementCollection), DisableParallelization = true)]
public sealed class MemoryMeasurementCollection;
