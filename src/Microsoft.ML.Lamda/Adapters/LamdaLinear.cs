using Microsoft.ML.Lamda.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// A LaMDA layer: y = W₀x + b + (α/r)·B S A dropout(x), with A ([r, d_in], PMA) frozen, S ([r, r], LDA) trainable and
/// B ([d_out, r], PMB) trainable until frozen column by column (<see cref="FreezeColumns"/>). Adapter tensors are held
/// in the wrapped weight's dtype; the SVD and the merge run in float32. Backward keeps only r-dimensional activations:
/// A is frozen and the main path is frozen, so nothing of size d_in is saved (with dropout on, the mask is regenerated
/// from a seed, see <see cref="SeededDropoutProjection"/>).
/// </summary>
public sealed class LamdaLinear : Module<Tensor, Tensor>, IAdapterLayer
{
    private readonly Parameter residual_weight;
    private readonly Parameter? bias;
    private readonly Parameter lamda_A;
    private readonly Parameter lamda_S;
    private readonly Parameter lamda_B;

    /// <summary>Wraps <paramref name="layer"/>, computing its SVD (float32) for the initialization.</summary>
    /// <param name="layer">The pretrained layer; it is not modified (its weights are copied).</param>
    /// <param name="rank">r, 1 ≤ r ≤ min(d_in, d_out).</param>
    /// <param name="alpha">α (null: α = r, so S starts at Σ_r).</param>
    /// <param name="dropout">Dropout probability on the adapter input.</param>
    /// <param name="initialization">Spectral (default), Random or Zero.</param>
    /// <param name="freezeOrder">Which columns of B freeze first.</param>
    /// <exception cref="ArgumentException">The rank is out of range or α is not positive.</exception>
    public LamdaLinear(Linear layer, int rank, double? alpha = null, double dropout = 0, LamdaInitialization initialization = LamdaInitialization.Spectral, PmbFreezeOrder freezeOrder = PmbFreezeOrder.LargestFirst)
        : this(layer, rank, alpha ?? rank, dropout, initialization, freezeOrder, spectrum: null, layerName: "layer")
    {
    }

    internal LamdaLinear(Linear layer, int rank, double alpha, double dropout, LamdaInitialization initialization, PmbFreezeOrder freezeOrder, LayerSpectrum? spectrum, string layerName)
        : base(nameof(LamdaLinear))
    {
        InFeatures = layer.in_features;
        OutFeatures = layer.out_features;
        AdapterValidation.CheckRank(rank, InFeatures, OutFeatures, layerName);
        AdapterValidation.CheckAlpha(alpha);
        Rank = rank;
        Alpha = alpha;
        Scaling = alpha / rank;
        DropoutProbability = dropout;
        FreezeOrder = freezeOrder;

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var weight = layer.weight;
        var (dtype, device) = (weight.dtype, weight.device);
        var owned = spectrum is null ? LayerSpectrum.Compute(weight, rank) : null;
        var svd = spectrum ?? owned!;
        try
        {
            var u = svd.LeftVectors.narrow(1, 0, rank).to(device);
            var vh = svd.RightVectorsTransposed.narrow(0, 0, rank).to(device);
            SingularValues = svd.TopSingularValues.Take(rank).ToArray();
            var sigma = torch.tensor(SingularValues.Select(v => (float)v).ToArray(), device: device);
            Tensor a, s, b, main;
            var w32 = weight.to(ScalarType.Float32);
            switch (initialization)
            {
                case LamdaInitialization.Spectral:
                    (a, b, s) = (vh, u, torch.diag(sigma * (float)(rank / alpha)));
                    main = w32 - u.matmul(torch.diag(sigma)).matmul(vh);
                    break;
                case LamdaInitialization.Zero:
                    (a, b, s, main) = (vh, u, torch.zeros(rank, rank, device: device), w32);
                    break;
                default:
                    a = nn.init.orthogonal_(torch.empty(rank, InFeatures, device: device));
                    b = nn.init.orthogonal_(torch.empty(OutFeatures, rank, device: device));
                    (s, main) = (torch.zeros(rank, rank, device: device), w32);
                    break;
            }
            residual_weight = Frozen(main, dtype);
            bias = layer.bias is null ? null : Frozen(layer.bias.clone(), dtype);
            lamda_A = Frozen(a, dtype);
            lamda_S = new Parameter(s.to(dtype).contiguous().DetachFromDisposeScope(), requires_grad: true);
            lamda_B = new Parameter(b.to(dtype).contiguous().DetachFromDisposeScope(), requires_grad: true);
        }
        finally
        {
            owned?.Dispose();
        }
        RegisterComponents();
    }

    /// <inheritdoc/>
    public long InFeatures { get; }

    /// <inheritdoc/>
    public long OutFeatures { get; }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <summary>α, the scaling numerator.</summary>
    public double Alpha { get; }

    /// <inheritdoc/>
    public double Scaling { get; }

    /// <summary>Dropout probability on the adapter path's input.</summary>
    public double DropoutProbability { get; }

    /// <summary>Which columns of B freeze first.</summary>
    public PmbFreezeOrder FreezeOrder { get; }

    /// <summary>σ₁ ≥ … ≥ σ_r, the wrapped weight's top singular values (whatever the initialization).</summary>
    internal IReadOnlyList<double> SingularValues { get; }

    /// <summary>
    /// The step scale that makes one learning rate η a relative step for this layer: S's entry (i, j) steps by
    /// η·√(σᵢσⱼ)/scaling, so that the change it makes to W, relative to the singular values it mixes, is η whatever the
    /// checkpoint's weight scale; B steps by η/√d_out, so that a column (a unit vector) turns by about η per step.
    /// </summary>
    internal (StepScale S, StepScale B) RelativeStepScales()
    {
        // A singular value of 0 (a rank-deficient weight) would stop its row of S: floor it at 1e-3 of σ₁.
        double floor = Math.Max(SingularValues[0] * 1e-3, 1e-12);
        var root = SingularValues.Select(v => (float)Math.Sqrt(Math.Max(v, floor) / Scaling)).ToArray();
        return (new StepScale(root, root), new StepScale([(float)(1 / Math.Sqrt(OutFeatures))], [1f]));
    }

    /// <summary>The number of frozen columns of B, k.</summary>
    public int FrozenColumnCount { get; private set; }

    /// <summary>The columns of B still trained: [k, r) for largest-first, [0, r − k) for smallest-first.</summary>
    public ColumnRange TrainableColumns => FreezeOrder == PmbFreezeOrder.LargestFirst
        ? new ColumnRange(FrozenColumnCount, Rank - FrozenColumnCount)
        : new ColumnRange(0, Rank - FrozenColumnCount);

    /// <summary>PMA A, [r, d_in], frozen.</summary>
    public Parameter ProjectionA => lamda_A;

    /// <summary>LDA S, [r, r], trainable.</summary>
    public Parameter AdapterS => lamda_S;

    /// <summary>PMB B, [d_out, r], trained until all its columns are frozen.</summary>
    public Parameter ProjectionB => lamda_B;

    /// <summary>The frozen main-path weight W₀.</summary>
    public Parameter ResidualWeight => residual_weight;

    /// <inheritdoc/>
    public IReadOnlyList<string> StatefulParameterNames { get; } = [nameof(lamda_S), nameof(lamda_B)];

    /// <inheritdoc/>
    public long TrainableParameterCount => (long)Rank * Rank + (Rank - FrozenColumnCount) * OutFeatures;

    /// <summary>
    /// Freezes B's columns so that <paramref name="frozenColumns"/> of them are frozen (never fewer than before).
    /// Once all are frozen, B stops requiring a gradient and its gradient is dropped.
    /// </summary>
    public void FreezeColumns(int frozenColumns)
    {
        FrozenColumnCount = Math.Clamp(Math.Max(frozenColumns, FrozenColumnCount), 0, Rank);
        if (FrozenColumnCount == Rank && lamda_B.requires_grad)
        {
            lamda_B.requires_grad = false;
            lamda_B.grad = null;
        }
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        // Intermediates die here; autograd keeps (by reference) only what backward needs, all r-dimensional.
        using var scope = torch.NewDisposeScope();
        var main = functional.linear(input, residual_weight, bias);
        var projected = training && DropoutProbability > 0
            ? SeededDropoutProjection.Apply(input, lamda_A, DropoutProbability)
            : functional.linear(input, lamda_A);
        var adapted = functional.linear(functional.linear(projected.mul(Scaling), lamda_S), lamda_B);
        return main.add_(adapted).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Linear Merge()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var delta = lamda_B.to(ScalarType.Float32).matmul(lamda_S.to(ScalarType.Float32)).matmul(lamda_A.to(ScalarType.Float32));
        var merged = residual_weight.to(ScalarType.Float32) + delta * Scaling;
        return MergedLinear.Create(merged.to(residual_weight.dtype), bias);
    }

    private static Parameter Frozen(Tensor value, ScalarType dtype)
        => new(value.to(dtype).contiguous().DetachFromDisposeScope(), requires_grad: false);

    /// <summary>Refuses a move or conversion that would replace the adapter's parameters (see <see cref="AdapterMoveGuard"/>).</summary>
    protected override Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        AdapterMoveGuard.Check(nameof(LamdaLinear), lamda_S, device.type, device.index, dtype);
        return this;
    }

    /// <summary>Refuses a move that would replace the adapter's parameters (see <see cref="AdapterMoveGuard"/>).</summary>
    protected override Module _to(DeviceType deviceType, int deviceIndex, bool non_blocking)
    {
        AdapterMoveGuard.Check(nameof(LamdaLinear), lamda_S, deviceType, deviceIndex, lamda_S.dtype);
        return this;
    }

    /// <summary>Refuses a conversion that would replace the adapter's parameters (see <see cref="AdapterMoveGuard"/>).</summary>
    protected override Module _to(ScalarType dtype, bool non_blocking)
    {
        AdapterMoveGuard.Check(nameof(LamdaLinear), lamda_S, lamda_S.device.type, lamda_S.device.index, dtype);
        return this;
    }
}
