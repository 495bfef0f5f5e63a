using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>
/// Base of the three root networks. Before <c>Module.to(...)</c> moves anything it checks the whole tree for injected
/// adapters, so that a refused move (<see cref="AdapterMoveGuard"/>) leaves no part of the model moved.
/// </summary>
internal abstract class EncoderClassifierModule(string name) : nn.Module(name), IEncoderClassifier
{
    /// <inheritdoc/>
    public abstract IReadOnlyList<string> HeadModuleNames { get; }

    /// <inheritdoc/>
    public abstract Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds);

    /// <inheritdoc/>
    public abstract Tensor Classify(Tensor hidden);

    /// <inheritdoc/>
    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        AdapterMoveGuard.CheckTree(this, device.type, device.index, dtype);
        return base._to(device, dtype, non_blocking);
    }

    /// <inheritdoc/>
    protected override nn.Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    {
        AdapterMoveGuard.CheckTree(this, deviceType, deviceIndex, dtype: null);
        return base._to(deviceType, deviceIndex, non_blocking);
    }

    /// <inheritdoc/>
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    {
        AdapterMoveGuard.CheckTree(this, deviceType: null, deviceIndex: 0, dtype);
        return base._to(dtype, non_blocking);
    }
}
