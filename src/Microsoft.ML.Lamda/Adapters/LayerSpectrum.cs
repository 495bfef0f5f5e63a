using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// The thin SVD W = U Σ Vᵀ of a linear layer's weight, computed in float32 whatever the weight's dtype, with the
/// singular vectors truncated to the leading <see cref="KeptComponents"/> (all singular values are kept, for energy scores).
/// </summary>
internal sealed class LayerSpectrum : IDisposable
{
    private LayerSpectrum(Tensor leftVectors, double[] singularValues, Tensor rightVectorsTransposed)
    {
        LeftVectors = leftVectors;
        SingularValues = singularValues;
        RightVectorsTransposed = rightVectorsTransposed;
    }

    /// <summary>U truncated: [d_out, k], float32.</summary>
    public Tensor LeftVectors { get; }

    /// <summary>All singular values, descending.</summary>
    public IReadOnlyList<double> SingularValues { get; }

    /// <summary>Vᵀ truncated: [k, d_in], float32.</summary>
    public Tensor RightVectorsTransposed { get; }

    /// <summary>k, the number of singular vector pairs kept.</summary>
    public long KeptComponents => LeftVectors.shape[1];

    /// <summary>Decomposes <paramref name="weight"/> ([d_out, d_in]) keeping <paramref name="keep"/> vector pairs (clamped to min(d_out, d_in)).</summary>
    public static LayerSpectrum Compute(Tensor weight, long keep)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (u, s, vh) = torch.linalg.svd(weight.detach().to(ScalarType.Float32), fullMatrices: false);
        long k = Math.Min(keep, s.shape[0]);
        var values = s.cpu().to(ScalarType.Float64).data<double>().ToArray();
        return new LayerSpectrum(
            u.narrow(1, 0, k).contiguous().MoveToOuterDisposeScope(),
            values,
            vh.narrow(0, 0, k).contiguous().MoveToOuterDisposeScope());
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
}
