using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class LayerSpectrumTests
{
    // W = U diag(σ) Vᵀ with σᵢ = 1/(1+i): a slowly decaying spectrum, as pretrained weights have, where a randomized
    // method converges slowest. Subspace iteration with q power iterations and l sampled columns gives σ_j a relative error
    // of order (σ_{l+1}/σ_j)^(4q+2) (Halko et al. 2011, §9-10): ≈ 1e-6 for σ₁..σ₈ at k = 8, up to ≈ 2e-3 for σ₂₄ at k = 24.
    // The test allows 4x that bound plus 1e-5 for float32 round-off; vectors are checked where LaMDA uses them (the top 8):
    // 1 − |cos| ≤ 1e-4, far above the ≈ 1e-8 the same bound predicts, far below any visible misalignment.
    [Theory]
    [InlineData(256, 512, 8)]
    [InlineData(512, 256, 24)]
    public void RandomizedTopTripletsMatchTheExactSvd(int outFeatures, int inFeatures, int keep)
    {
        using var scope = torch.NewDisposeScope();
        var weight = DecayingSpectrumMatrix(outFeatures, inFeatures, seed: keep);
        var (u, s, vh) = torch.linalg.svd(weight, fullMatrices: false);

        using var spectrum = LayerSpectrum.Compute(weight, keep);

        Assert.Equal(keep, spectrum.KeptComponents);
        Assert.False(spectrum.TopSingularValues.SequenceEqual(s.narrow(0, 0, keep).to(ScalarType.Float64).data<double>().ToArray()),
            "the exact SVD ran: the shape must take the randomized path");
        var exact = s.to(ScalarType.Float64).data<double>().ToArray();
        double tail = exact[LayerSpectrum.SampledColumns(keep, exact.Length)];
        for (int i = 0; i < keep; i++)
        {
            double bound = 1e-5 + 4 * Math.Pow(tail / exact[i], 4 * LayerSpectrum.PowerIterations + 2);
            Assert.True(Math.Abs(spectrum.TopSingularValues[i] - exact[i]) <= bound * exact[i], $"σ{i}: {spectrum.TopSingularValues[i]} vs exact {exact[i]}, bound {bound:E2}");
        }
        AssertSameDirections(u.narrow(1, 0, 8), spectrum.LeftVectors.narrow(1, 0, 8), 1e-4);
        AssertSameDirections(vh.narrow(0, 0, 8).t(), spectrum.RightVectorsTransposed.narrow(0, 0, 8).t(), 1e-4);
        Assert.Equal(exact.Sum(v => v * v), spectrum.TotalEnergy, 1e-4 * spectrum.TotalEnergy);
        Assert.Equal(LayerSpectrum.EnergyScore(exact, 8), spectrum.EnergyScore(8), 1e-4);
    }

    [Fact]
    public void RandomizedPathIsDeterministic()
    {
        using var scope = torch.NewDisposeScope();
        var weight = DecayingSpectrumMatrix(200, 300, seed: 3);
        using var first = LayerSpectrum.ComputeRandomized(weight, 6);
        torch.manual_seed(99); // the global generator must not matter
        using var second = LayerSpectrum.ComputeRandomized(weight, 6);
        Assert.Equal(first.TopSingularValues, second.TopSingularValues);
        Assert.True(TensorAssert.BitIdentical(first.LeftVectors, second.LeftVectors));
        Assert.True(TensorAssert.BitIdentical(first.RightVectorsTransposed, second.RightVectorsTransposed));
    }

    [Fact]
    public void ARankDeficientMatrixKeepsItsResidualExact()
    {
        // Rank 3 < k: the subspace holds the whole range, so U_kΣ_kV_kᵀ reproduces W.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var weight = torch.randn(300, 3).matmul(torch.randn(3, 400));
        using var spectrum = LayerSpectrum.ComputeRandomized(weight, 8);
        var sigma = torch.tensor(spectrum.TopSingularValues.Select(v => (float)v).ToArray());
        var rebuilt = spectrum.LeftVectors.matmul(torch.diag(sigma)).matmul(spectrum.RightVectorsTransposed);
        TensorAssert.Close(weight, rebuilt, 1e-5);
        Assert.Equal(1.0, spectrum.EnergyScore(3), 1e-5);
    }

    [Fact]
    public void EnergyScoreBeyondTheKeptTripletsIsRefused()
    {
        using var scope = torch.NewDisposeScope();
        using var spectrum = LayerSpectrum.ComputeRandomized(DecayingSpectrumMatrix(200, 300, seed: 4), 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => spectrum.EnergyScore(5));
    }

    private static Tensor DecayingSpectrumMatrix(int rows, int columns, int seed)
    {
        torch.manual_seed(seed);
        int side = Math.Min(rows, columns);
        var left = torch.linalg.qr(torch.randn(rows, side)).Q;
        var right = torch.linalg.qr(torch.randn(columns, side)).Q;
        var sigma = torch.tensor(Enumerable.Range(0, side).Select(i => 1f / (1 + i)).ToArray());
        return left.matmul(torch.diag(sigma)).matmul(right.t());
    }

    /// <summary>Column j of <paramref name="actual"/> is ± column j of <paramref name="expected"/>: 1 − |cos| ≤ tolerance.</summary>
    private static void AssertSameDirections(Tensor expected, Tensor actual, double tolerance)
    {
        var cosines = (expected * actual).sum(dim: 0).abs().to(ScalarType.Float64).data<double>().ToArray();
        for (int j = 0; j < cosines.Length; j++)
            Assert.True(1 - cosines[j] <= tolerance, $"vector {j}: |cos| = {cosines[j]}");
    }
}
