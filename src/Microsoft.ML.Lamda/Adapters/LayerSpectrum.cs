using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// The leading k singular triplets of a linear layer's weight W = U Σ Vᵀ ([d_out, d_in]), computed in float32 whatever
/// the weight's dtype, and the layer's total spectral energy Σᵢ σᵢ² = ‖W‖_F², which is all an energy score needs.
/// Small matrices, and requests for most of the spectrum, take the exact thin SVD; otherwise a randomized subspace
/// iteration (Halko, Martinsson and Tropp 2011, algorithm 4.4) finds the top-k triplets from a fixed-seed test matrix
/// (deterministic), at a small fraction of a full SVD's cost.
/// </summary>
internal sealed class LayerSpectrum : IDisposable
{
    /// <summary>Matrices whose smaller side is at most this take the exact SVD.</summary>
    internal const long ExactMaximumSide = 128;

    /// <summary>The fewest extra columns of the random test matrix beyond k (p = max(10, k/2)).</summary>
    internal const long MinimumOversampling = 10;

    /// <summary>Power iterations (each one a product with Wᵀ and with W, re-orthonormalised).</summary>
    internal const int PowerIterations = 4;

    private const long TestMatrixSeed = 0x1A4DA;

    private LayerSpectrum(Tensor leftVectors, double[] topSingularValues, Tensor rightVectorsTransposed, double totalEnergy)
    {
        LeftVectors = leftVectors;
        TopSingularValues = topSingularValues;
        RightVectorsTransposed = rightVectorsTransposed;
        TotalEnergy = totalEnergy;
    }

    /// <summary>U truncated: [d_out, k], float32.</summary>
    public Tensor LeftVectors { get; }

    /// <summary>σ₁ ≥ … ≥ σ_k, the k leading singular values.</summary>
    public IReadOnlyList<double> TopSingularValues { get; }

    /// <summary>Vᵀ truncated: [k, d_in], float32.</summary>
    public Tensor RightVectorsTransposed { get; }

    /// <summary>Σᵢ σᵢ² over the whole spectrum (= ‖W‖_F²).</summary>
    public double TotalEnergy { get; }

    /// <summary>k, the number of singular triplets kept.</summary>
    public long KeptComponents => LeftVectors.shape[1];

    /// <summary>Decomposes <paramref name="weight"/> ([d_out, d_in]) keeping <paramref name="keep"/> triplets (clamped to min(d_out, d_in)).</summary>
    public static LayerSpectrum Compute(Tensor weight, long keep)
    {
        long side = Math.Min(weight.shape[0], weight.shape[1]);
        long k = Math.Clamp(keep, 1, side);
        bool exact = side <= ExactMaximumSide || 2 * SampledColumns(k, side) >= side;
        return exact ? ComputeExact(weight, k) : ComputeRandomized(weight, k);
    }

    /// <summary>The exact thin SVD (float32), truncated to k triplets.</summary>
    internal static LayerSpectrum ComputeExact(Tensor weight, long k)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (u, s, vh) = torch.linalg.svd(weight.detach().to(ScalarType.Float32), fullMatrices: false);
        var values = s.cpu().to(ScalarType.Float64).data<double>().ToArray();
        return new LayerSpectrum(
            u.narrow(1, 0, k).contiguous().MoveToOuterDisposeScope(),
            values.Take((int)k).ToArray(),
            vh.narrow(0, 0, k).contiguous().MoveToOuterDisposeScope(),
            values.Sum(v => v * v));
    }

    /// <summary>
    /// Randomized subspace iteration: Q spans W Ω (Ω Gaussian [d_in, l = k + p] from a fixed seed, see <see cref="SampledColumns"/>), refined by
    /// <see cref="PowerIterations"/> rounds of Q ← qr(W qr(Wᵀ Q)); then the exact SVD of the small Qᵀ W gives the triplets.
    /// Each σ_j's relative error shrinks like (σ_{l+1}/σ_j)^(4q+2); the top-k subspace is exact for a matrix of rank ≤ l.
    /// </summary>
    internal static LayerSpectrum ComputeRandomized(Tensor weight, long k)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var w = weight.detach().to(ScalarType.Float32);
        long columns = SampledColumns(k, Math.Min(w.shape[0], w.shape[1]));
        using var generator = new torch.Generator(TestMatrixSeed);
        var omega = torch.randn(new[] { w.shape[1], columns }, ScalarType.Float32, generator: generator).to(w.device);
        var q = Orthonormal(w.matmul(omega));
        for (int i = 0; i < PowerIterations; i++)
            q = Orthonormal(w.matmul(Orthonormal(w.t().matmul(q))));
        var (ub, s, vh) = torch.linalg.svd(q.t().matmul(w), fullMatrices: false);
        double totalEnergy = w.to(ScalarType.Float64).square().sum().cpu().item<double>();
        var values = s.narrow(0, 0, k).cpu().to(ScalarType.Float64).data<double>().ToArray();
        return new LayerSpectrum(
            q.matmul(ub.narrow(1, 0, k)).contiguous().MoveToOuterDisposeScope(),
            values,
            vh.narrow(0, 0, k).contiguous().MoveToOuterDisposeScope(),
            totalEnergy);
    }

    /// <summary>l = k + p, the columns of the random test matrix (at most the matrix's smaller side).</summary>
    internal static long SampledColumns(long k, long side) => Math.Min(side, k + Math.Max(MinimumOversampling, k / 2));

    /// <summary>e(r) = Σ_{i≤r} σᵢ² / Σᵢ σᵢ² from this spectrum (r at most <see cref="KeptComponents"/> unless the whole spectrum is kept; 1 for a zero matrix).</summary>
    public double EnergyScore(int rank)
    {
        bool wholeSpectrum = KeptComponents == Math.Min(LeftVectors.shape[0], RightVectorsTransposed.shape[1]);
        if (rank > TopSingularValues.Count && !wholeSpectrum)
            throw new ArgumentOutOfRangeException(nameof(rank), $"Energy score at rank {rank} needs {rank} singular values; {TopSingularValues.Count} were kept.");
        if (!(TotalEnergy > 0)) return 1.0;
        double top = TopSingularValues.Take(rank).Sum(v => v * v);
        return Math.Min(1.0, top / TotalEnergy);
    }

    /// <summary>e(r) = Σ_{i≤r} σᵢ² / Σᵢ σᵢ², the share of spectral energy held by the top-r components (1 for a zero matrix).</summary>
    public static double EnergyScore(IReadOnlyList<double> singularValues, int rank)
    {
        double total = 0, top = 0;
        for (int i = 0; i < singularValues.Count; i++)
        {
            double energy = singularValues[i] * singularValues[i];
            total += energy;
            if (i < rank) top += energy;
        }
        return total > 0 ? top / total : 1.0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        LeftVectors.Dispose();
        RightVectorsTransposed.Dispose();
    }

    private static Tensor Orthonormal(Tensor columns) => torch.linalg.qr(columns).Q;
}
