using System.Globalization;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>Argument checks shared by the adapter layers and the injector, with messages that name the value.</summary>
internal static class AdapterValidation
{
    public static void CheckRank(int rank, long inFeatures, long outFeatures, string layerName)
    {
        long limit = Math.Min(inFeatures, outFeatures);
        if (rank <= 0 || rank > limit)
            throw new ArgumentException($"Rank {rank} is not valid for layer '{layerName}' (d_in = {inFeatures}, d_out = {outFeatures}): expected 1 <= rank <= min(d_in, d_out) = {limit}.", "rank");
    }

    public static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0 && double.IsFinite(alpha)))
            throw new ArgumentException($"Alpha {alpha.ToString(CultureInfo.InvariantCulture)} is not valid: alpha must be a positive finite number.", "alpha");
    }
}
