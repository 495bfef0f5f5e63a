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

/// <summary>
/// Refuses <c>Module.to(...)</c> on a tree with injected adapters when it would move or convert anything: TorchSharp
/// replaces every parameter with a new one on a move, which would leave the optimizer's groups and the PMB freezing
/// bookkeeping (<see cref="AdaptedModel"/>, keyed by parameter) holding stale parameters that no longer train.
/// </summary>
internal static class AdapterMoveGuard
{
    /// <summary>Throws unless the target device and <paramref name="dtype"/> are what <paramref name="sample"/> already has.</summary>
    /// <exception cref="InvalidOperationException">The move would replace the adapter's parameters.</exception>
    public static void Check(string layerType, TorchSharp.torch.Tensor sample, TorchSharp.DeviceType deviceType, int deviceIndex, TorchSharp.torch.ScalarType dtype)
    {
        var device = sample.device;
        // An index of -1 means the default one (CPU, or the first GPU).
        bool sameDevice = device.type == deviceType && Math.Max(device.index, 0) == Math.Max(deviceIndex, 0);
        if (sameDevice && sample.dtype == dtype) return;
        throw new InvalidOperationException(
            $"Cannot move or convert a model holding injected adapters ({layerType} on {device.type}:{device.index}, {sample.dtype}) to {deviceType}:{deviceIndex}, {dtype}: "
            + "Module.to(...) replaces every parameter, so the optimizer and the PMB freezing would hold stale ones. "
            + "Choose the device and dtype before injecting adapters (SequenceClassificationModelOptions.Device and DType, or the trainers' Device and Precision options), or merge the adapters first.");
    }

    /// <summary>Runs <see cref="Check"/> on every adapter in <paramref name="root"/>'s tree (null: keep the adapter's device or dtype).</summary>
    /// <exception cref="InvalidOperationException">The move would replace an adapter's parameters.</exception>
    public static void CheckTree(TorchSharp.torch.nn.Module root, TorchSharp.DeviceType? deviceType, int deviceIndex, TorchSharp.torch.ScalarType? dtype)
    {
        foreach (var module in root.modules())
        {
            var sample = module switch
            {
                LamdaLinear lamda => (TorchSharp.torch.Tensor)lamda.AdapterS,
                LoraLinear lora => lora.ProjectionA,
                _ => null,
            };
            if (sample is null) continue;
            Check(module.GetName(), sample, deviceType ?? sample.device.type, deviceType is null ? sample.device.index : deviceIndex, dtype ?? sample.dtype);
        }
    }
}
