using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// A LoRA layer: y = W x + b + (α/r)·B A dropout(x), W and b frozen, A ([r, d_in], Kaiming-uniform with a = √5, as
/// PEFT) and B ([d_out, r], zeros) trainable, held in the wrapped weight's dtype.
/// </summary>
public sealed class LoraLinear : Module<Tensor, Tensor>, IAdapterLayer
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly Parameter lora_A;
    private readonly Parameter lora_B;
    private readonly Dropout dropout;

    /// <summary>Wraps <paramref name="layer"/>; its weight and bias parameters are shared and frozen.</summary>
    /// <param name="layer">The pretrained layer.</param>
    /// <param name="rank">r, 1 ≤ r ≤ min(d_in, d_out).</param>
    /// <param name="alpha">α (null: α = r).</param>
    /// <param name="dropoutProbability">Dropout probability on the adapter input.</param>
    /// <exception cref="ArgumentException">The rank is out of range or α is not positive.</exception>
    public LoraLinear(Linear layer, int rank, double? alpha = null, double dropoutProbability = 0)
        : this(layer, rank, alpha ?? rank, dropoutProbability, "layer")
    {
    }

    internal LoraLinear(Linear layer, int rank, double alpha, double dropoutProbability, string layerName) : base(nameof(LoraLinear))
    {
        InFeatures = layer.in_features;
        OutFeatures = layer.out_features;
        AdapterValidation.CheckRank(rank, InFeatures, OutFeatures, layerName);
        AdapterValidation.CheckAlpha(alpha);
        Rank = rank;
        Scaling = alpha / rank;
        using var noGrad = torch.no_grad();
        var (dtype, device) = (layer.weight.dtype, layer.weight.device);
        weight = layer.weight;
        weight.requires_grad_(false);
        bias = layer.bias;
        bias?.requires_grad_(false);
        var a = torch.empty(rank, InFeatures, device: device);
        nn.init.kaiming_uniform_(a, a: Math.Sqrt(5));
        lora_A = new Parameter(a.to(dtype).DetachFromDisposeScope(), requires_grad: true);
        lora_B = new Parameter(torch.zeros(OutFeatures, rank, dtype: dtype, device: device).DetachFromDisposeScope(), requires_grad: true);
        dropout = nn.Dropout(dropoutProbability);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public long InFeatures { get; }

    /// <inheritdoc/>
    public long OutFeatures { get; }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public double Scaling { get; }

    /// <summary>LoRA's A, [r, d_in].</summary>
    public Parameter ProjectionA => lora_A;

    /// <summary>LoRA's B, [d_out, r].</summary>
    public Parameter ProjectionB => lora_B;

    /// <inheritdoc/>
    public IReadOnlyList<string> StatefulParameterNames { get; } = [nameof(lora_A), nameof(lora_B)];

    /// <inheritdoc/>
    public long TrainableParameterCount => Rank * (InFeatures + OutFeatures);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var main = functional.linear(input, weight, bias);
        var adapted = functional.linear(functional.linear(dropout.call(input), lora_A), lora_B);
        return main.add_(adapted, alpha: Scaling).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Linear Merge()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var delta = lora_B.to(ScalarType.Float32).matmul(lora_A.to(ScalarType.Float32));
        var merged = weight.to(ScalarType.Float32) + delta * Scaling;
        return MergedLinear.Create(merged.to(weight.dtype), bias);
    }

    /// <summary>Refuses a move or conversion that would replace the adapter's parameters (see <see cref="AdapterMoveGuard"/>).</summary>
    protected override Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        AdapterMoveGuard.Check(nameof(LoraLinear), lora_A, device.type, device.index, dtype);
        return this;
    }

    /// <summary>Refuses a move that would replace the adapter's parameters (see <see cref="AdapterMoveGuard"/>).</summary>
    protected override Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    {
        AdapterMoveGuard.Check(nameof(LoraLinear), lora_A, deviceType, deviceIndex, lora_A.dtype);
        return this;
    }

    /// <summary>Refuses a conversion that would replace the adapter's parameters (see <see cref="AdapterMoveGuard"/>).</summary>
    protected override Module _to(ScalarType dtype, bool non_blocking)
    {
        AdapterMoveGuard.Check(nameof(LoraLinear), lora_A, lora_A.device.type, lora_A.device.index, dtype);
        return this;
    }
}
