using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class EnergyRankAllocatorTests
{
    public static TheoryData<string, int> Spectra => new()
    {
        { "mixed", 4 },
        { "one-concentrated-rest-flat", 4 },
        { "all-flat", 3 },
        { "identical", 5 },
        { "rank-one-layers", 2 },
        { "rank-equals-min-dim", 6 },
        { "many-layers-steep-to-flat", 8 },
    };

    [Theory]
    [MemberData(nameof(Spectra))]
    public void AllocationFromConstructedSpectraHoldsEveryInvariant(string spectra, int rank)
    {
        var layers = ConstructedLayers(spectra, rank);
        var scores = layers.Select(l => EnergyRankAllocator.EnergyScore(SingularValuesOf(l.Weight), rank)).ToList();
        var bounds = layers.Select(l => Math.Min(l.Weight.shape[0], l.Weight.shape[1])).ToList();

        var ranks = EnergyRankAllocator.Allocate(scores, bounds, rank);

        AssertInvariants(scores, bounds, rank, ranks);
        Assert.Equal(ranks, EnergyRankAllocator.Allocate(scores, bounds, rank)); // static: same input, same ranks
        foreach (var l in layers) l.Weight.Dispose();
    }

    [Fact]
    public void ConcentratedLayersGetMoreRankThanFlatOnes()
    {
        var layers = ConstructedLayers("one-concentrated-rest-flat", 4);
        var scores = layers.Select(l => EnergyRankAllocator.EnergyScore(SingularValuesOf(l.Weight), 4)).ToList();
        var ranks = EnergyRankAllocator.Allocate(scores, layers.Select(l => Math.Min(l.Weight.shape[0], l.Weight.shape[1])).ToList(), 4);
        Assert.True(ranks[0] > 4, $"the concentrated layer got rank {ranks[0]}");
        Assert.True(ranks.Skip(1).All(r => r <= 4));
    }

    [Fact]
    public void EnergyScoreIsTheTopRShareOfSquaredSingularValues()
    {
        Assert.Equal(25.0 / 30.0, EnergyRankAllocator.EnergyScore([4, 3, 2, 1], 2), 1e-12);
        Assert.Equal(1.0, EnergyRankAllocator.EnergyScore([4, 3, 2, 1], 4), 1e-12);
        Assert.Equal(1.0, EnergyRankAllocator.EnergyScore([0, 0], 1), 1e-12);
    }

    [Fact]
    public void RandomScoresAndTightBoundsNeverBreakAnInvariant()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 500; trial++)
        {
            int layers = random.Next(1, 30);
            int rank = random.Next(1, 17);
            var scores = Enumerable.Range(0, layers).Select(_ => random.Next(4) == 0 ? 0.5 : random.NextDouble()).ToList();
            var bounds = Enumerable.Range(0, layers).Select(_ => (long)(rank + random.Next(0, random.Next(2) == 0 ? 2 : 100))).ToList();
            AssertInvariants(scores, bounds, rank, EnergyRankAllocator.Allocate(scores, bounds, rank));
        }
    }

    [Fact]
    public void InjectedLamdaPlusPlusUsesTheAllocatedRanks()
    {
        var (_, adapted) = AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.LamdaPlusPlus, Rank = 4 });
        var report = adapted.Report();
        var scores = report.Layers.Select(l => l.EnergyScore!.Value).ToList();
        var bounds = report.Layers.Select(l => Math.Min(l.InFeatures, l.OutFeatures)).ToList();
        Assert.Equal(EnergyRankAllocator.Allocate(scores, bounds, 4), report.Layers.Select(l => l.Rank));
        AssertInvariants(scores, bounds, 4, report.Layers.Select(l => l.Rank).ToArray());
    }

    private static void AssertInvariants(IReadOnlyList<double> scores, IReadOnlyList<long> bounds, int rank, int[] ranks)
    {
        long budget = (long)scores.Count * rank * rank;
        long used = ranks.Sum(r => (long)r * r);
        Assert.True(used <= budget, $"Σ r_l² = {used} exceeds the budget {budget}");
        Assert.True(used >= 0.9 * budget, $"Σ r_l² = {used} is below 90% of the budget {budget}");
        for (int a = 0; a < ranks.Length; a++)
        {
            Assert.InRange(ranks[a], 1, bounds[a]);
            for (int b = 0; b < ranks.Length; b++)
                if (scores[a] > scores[b])
                    Assert.True(ranks[a] >= ranks[b], $"layer {a} (score {scores[a]:F4}) got rank {ranks[a]} < layer {b} (score {scores[b]:F4}) rank {ranks[b]}");
        }
    }

    private static IReadOnlyList<double> SingularValuesOf(Tensor weight)
    {
        using var s = torch.linalg.svdvals(weight);
        return s.to(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>Weights W = U diag(σ) Vᵀ with chosen σ (random orthonormal U, V), shaped [d_out, d_in].</summary>
    private static List<(Tensor Weight, double[] Sigma)> ConstructedLayers(string spectra, int rank)
    {
        torch.manual_seed(spectra.Length);
        double[] Geometric(int n, double ratio) => Enumerable.Range(0, n).Select(i => Math.Pow(ratio, i)).ToArray();
        double[] Flat(int n) => Enumerable.Repeat(1.0, n).ToArray();
        var sigmas = spectra switch
        {
            "mixed" => new[] { Geometric(16, 0.5), Geometric(16, 0.9), Flat(16), Geometric(12, 0.7), Geometric(20, 0.3) },
            "one-concentrated-rest-flat" => new[] { Geometric(16, 0.2), Flat(16), Flat(16), Flat(16), Flat(16), Flat(16) },
            "all-flat" => new[] { Flat(8), Flat(10), Flat(12) },
            "identical" => new[] { Geometric(10, 0.8), Geometric(10, 0.8), Geometric(10, 0.8) },
            "rank-one-layers" => new[] { [5.0, 0, 0, 0], [1.0, 0, 0, 0], Flat(4), Geometric(4, 0.5) },
            "rank-equals-min-dim" => new[] { Geometric(6, 0.5), Flat(6), Geometric(6, 0.9) },
            _ => Enumerable.Range(0, 24).Select(l => Geometric(32, 0.1 + 0.9 * l / 23.0)).ToArray(),
        };
        return sigmas.Select((sigma, l) =>
        {
            int n = sigma.Length;
            var u = torch.linalg.qr(torch.randn(n + l % 3, n)).Q;
            var v = torch.linalg.qr(torch.randn(n + 2, n)).Q;
            var w = u.matmul(torch.diag(torch.tensor(sigma.Select(x => (float)x).ToArray()))).matmul(v.t());
            return (w, sigma);
        }).ToList();
    }
}
