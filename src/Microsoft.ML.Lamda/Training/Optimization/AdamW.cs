using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), with bias correction, parameter groups, global-norm
/// gradient clipping, state save/load for resuming, and column freezing: when an <see cref="ITrainableColumnSource"/>
/// restricts a parameter to a column range, only those columns are decayed and stepped, and the moment estimates are
/// kept for those columns alone (sliced down whenever the range shrinks, released when it is empty). Moments and the
/// update arithmetic are float32 whatever the parameter dtype; a parameter of another dtype (bfloat16, float16) gets a
/// float32 master copy that accumulates the updates and is rounded into the parameter after each step, so that steps
/// smaller than the low-precision spacing (LaMDA's S sits at the singular values, 1 to 10) are not lost. A group may
/// decay towards the values its parameters had when the optimizer was created instead of towards zero
/// (<see cref="AdamWParameterGroup.DecayTowardsInitialValues"/>), and may scale some parameters' steps element by
/// element (<see cref="AdamWParameterGroup.StepScales"/>, see <see cref="StepScale"/>).
/// </summary>
public sealed class AdamW : IDisposable
{
    private const string StateMagic = "Microsoft.ML.Lamda.AdamW";
    private const int StateVersion = 2; // 2: float32 master copies of non-float32 parameters; 1 is still read

    private readonly ITrainableColumnSource? _columns;
    private readonly Dictionary<string, ParameterState> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _initialValues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _stepScales = new(StringComparer.Ordinal);

    /// <summary>Creates the optimizer.</summary>
    /// <param name="groups">The parameter groups; parameter names must be unique.</param>
    /// <param name="beta1">First-moment decay (default 0.9).</param>
    /// <param name="beta2">Second-moment decay (default 0.999).</param>
    /// <param name="epsilon">Denominator term (default 1e-8).</param>
    /// <param name="columns">Source of per-parameter trainable column ranges (LaMDA's B), or null.</param>
    /// <exception cref="ArgumentException">A duplicate parameter name, or betas outside [0, 1).</exception>
    public AdamW(IEnumerable<AdamWParameterGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, ITrainableColumnSource? columns = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentException($"beta1 = {beta1} is not valid: expected [0, 1).", nameof(beta1));
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentException($"beta2 = {beta2} is not valid: expected [0, 1).", nameof(beta2));
        if (!(epsilon > 0)) throw new ArgumentException($"epsilon = {epsilon} is not valid: expected > 0.", nameof(epsilon));
        Groups = groups.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in Groups.SelectMany(g => g.Parameters))
            if (!names.Add(name))
                throw new ArgumentException($"Parameter '{name}' appears twice in the optimizer's groups.", nameof(groups));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _columns = columns;
        using var noGrad = torch.no_grad();
        foreach (var group in Groups.Where(g => g.DecayTowardsInitialValues && g.WeightDecay > 0))
            foreach (var (name, p) in group.Parameters)
                _initialValues[name] = p.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
        foreach (var group in Groups)
            foreach (var (name, scale) in group.StepScales)
            {
                var device = group.Parameters.First(p => p.Name == name).Parameter.device;
                using var rowFactors = torch.tensor(scale.Rows.ToArray(), device: device).unsqueeze(1);
                using var columnFactors = torch.tensor(scale.Columns.ToArray(), device: device).unsqueeze(0);
                _stepScales[name] = rowFactors.mul(columnFactors).DetachFromDisposeScope();
            }
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<AdamWParameterGroup> Groups { get; }

    /// <summary>First-moment decay.</summary>
    public double Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public double Beta2 { get; }

    /// <summary>Denominator term.</summary>
    public double Epsilon { get; }

    /// <summary>The number of parameters that currently hold moment estimates.</summary>
    public int StatefulParameterCount => _state.Count;

    /// <summary>Whether the parameter named <paramref name="name"/> currently holds moment estimates.</summary>
    public bool HasState(string name) => _state.ContainsKey(name);

    /// <summary>
    /// The number of float values of moment state currently held (two per trained element), for the parameter named
    /// <paramref name="name"/> or, when null, for all parameters.
    /// </summary>
    public long StateElementCount(string? name = null)
        => _state.Where(kv => name is null || kv.Key == name).Sum(kv => kv.Value.ExpAvg.numel() + kv.Value.ExpAvgSq.numel());

    /// <summary>Clears the gradients of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in Groups.SelectMany(g => g.Parameters))
            p.grad = null;
    }

    /// <summary>
    /// Scales the gradients so that their global L2 norm (over trainable columns only) is at most
    /// <paramref name="maxNorm"/>; returns the norm before clipping as a float32 scalar tensor on the parameters'
    /// device (dispose it). Everything stays on the device: nothing is read back, so a GPU step is not synchronized
    /// here; read the norm only when reporting.
    /// </summary>
    public Tensor ClipGradientNorm(double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentException($"maxNorm = {maxNorm} is not valid: expected > 0.", nameof(maxNorm));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var squares = new List<Tensor>();
        var grads = new List<Tensor>();
        foreach (var (_, p) in Groups.SelectMany(g => g.Parameters))
        {
            if (p.grad is not { } grad) continue;
            var range = TrainableColumns(p);
            if (range is { Count: 0 }) continue;
            var part = range is { } r ? grad.narrow(1, r.Start, r.Count) : grad;
            squares.Add(part.to(ScalarType.Float32).square().sum());
            grads.Add(part);
        }
        if (squares.Count == 0)
            return torch.zeros([], ScalarType.Float32, device: Groups.SelectMany(g => g.Parameters).Select(p => p.Parameter.device).FirstOrDefault())
                .MoveToOuterDisposeScope(); // on the parameters' device, like a computed norm, so that the readings stack
        var norm = torch.stack(squares).sum().sqrt();
        // min(1, maxNorm / (norm + 1e-6)): multiplying by exactly 1 leaves an unclipped gradient unchanged.
        var coefficient = (norm + 1e-6).reciprocal_().mul_(maxNorm).clamp_max_(1.0);
        foreach (var g in grads) g.mul_(coefficient.to(g.dtype));
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>Takes one optimizer step, each group's learning rate multiplied by <paramref name="learningRateMultiplier"/>.</summary>
    public void Step(double learningRateMultiplier = 1.0)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var group in Groups)
        {
            double lr = group.LearningRate * learningRateMultiplier;
            foreach (var (name, p) in group.Parameters)
            {
                var range = TrainableColumns(p);
                if (range is { Count: 0 } || !p.requires_grad)
                {
                    ReleaseState(name);
                    continue;
                }
                if (p.grad is not { } grad) continue;
                var state = StateFor(name, p, range);
                var target = range is { } r ? p.narrow(1, r.Start, r.Count) : p;
                var g = (range is { } r2 ? grad.narrow(1, r2.Start, r2.Count) : grad).to(ScalarType.Float32);
                // float32 parameters are updated in place; others through their float32 master copy.
                var full = state.Master ?? p;
                var value = range is { } r4 ? full.narrow(1, r4.Start, r4.Count) : full;
                state.Step++;
                if (group.WeightDecay > 0)
                {
                    if (_initialValues.TryGetValue(name, out var initial))
                        value.sub_((value - (range is { } r3 ? initial.narrow(1, r3.Start, r3.Count) : initial)).mul_(lr * group.WeightDecay));
                    else
                        value.mul_(1 - lr * group.WeightDecay);
                }
                state.ExpAvg.mul_(Beta1).add_(g, alpha: 1 - Beta1);
                state.ExpAvgSq.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
                double correction1 = 1 - Math.Pow(Beta1, state.Step);
                double correction2 = 1 - Math.Pow(Beta2, state.Step);
                var denominator = (state.ExpAvgSq.sqrt() / Math.Sqrt(correction2)).add_(Epsilon);
                if (_stepScales.TryGetValue(name, out var stepScale))
                {
                    var scale = range is { } r5 && stepScale.shape[1] != 1 ? stepScale.narrow(1, r5.Start, r5.Count) : stepScale;
                    value.add_(state.ExpAvg.div(denominator).mul_(scale), alpha: -lr / correction1);
                }
                else
                {
                    value.addcdiv_(state.ExpAvg, denominator, value: -lr / correction1);
                }
                if (state.Master is not null) target.copy_(value);
            }
        }
    }

    /// <summary>Writes every moment estimate and step count to <paramref name="stream"/> (for resuming training).</summary>
    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(StateMagic);
        writer.Write(StateVersion);
        writer.Write(_state.Count);
        foreach (var (name, s) in _state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            writer.Write(s.Step);
            writer.Write(s.Columns.HasValue);
            writer.Write(s.Columns?.Start ?? 0);
            writer.Write(s.Columns?.Count ?? 0);
            WriteTensor(writer, s.ExpAvg);
            WriteTensor(writer, s.ExpAvgSq);
            writer.Write(s.Master is not null);
            if (s.Master is not null) WriteTensor(writer, s.Master);
        }
    }

    /// <summary>Replaces the optimizer state with the one saved by <see cref="SaveState"/>; restores it bit for bit.</summary>
    /// <exception cref="InvalidDataException">The stream is not an AdamW state, or names a parameter this optimizer lacks, or a shape differs.</exception>
    public void LoadState(Stream stream)
    {
        var loaded = new Dictionary<string, ParameterState>(StringComparer.Ordinal);
        try
        {
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            if (reader.ReadString() != StateMagic)
                throw new InvalidDataException("The stream does not hold a Microsoft.ML.Lamda AdamW state.");
            int version = reader.ReadInt32();
            if (version is not (1 or StateVersion))
                throw new InvalidDataException($"AdamW state version {version} is not supported (expected 1 or {StateVersion}).");
            var parameters = Groups.SelectMany(g => g.Parameters).ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                if (!parameters.TryGetValue(name, out var p))
                    throw new InvalidDataException($"The saved AdamW state names parameter '{name}', which this optimizer does not hold.");
                if (loaded.ContainsKey(name))
                    throw new InvalidDataException($"The saved AdamW state names parameter '{name}' twice.");
                long step = reader.ReadInt64();
                bool hasColumns = reader.ReadBoolean();
                var columns = new ColumnRange(reader.ReadInt64(), reader.ReadInt64());
                if (step < 0 || hasColumns && (p.dim() != 2 || columns.Start < 0 || columns.Count < 0 || columns.Start > p.shape[1] - columns.Count))
                    throw new InvalidDataException($"The saved AdamW state of '{name}' has step {step} and columns [{columns.Start}, +{columns.Count}), which do not fit its shape [{string.Join(", ", p.shape)}].");
                var expected = hasColumns ? new[] { p.shape[0], columns.Count } : p.shape;
                var expAvg = ReadTensor(reader, name, expected, p.device);
                Tensor? expAvgSq = null, master = null;
                try
                {
                    expAvgSq = ReadTensor(reader, name, expected, p.device);
                    // Version 1 kept no master copy: one is made from the parameter, as on a first step.
                    bool hasMaster = version >= 2 && reader.ReadBoolean();
                    master = hasMaster ? ReadTensor(reader, name, p.shape, p.device) : NewMaster(p);
                }
                catch
                {
                    expAvg.Dispose();
                    expAvgSq?.Dispose();
                    master?.Dispose();
                    throw;
                }
                loaded[name] = new ParameterState(expAvg, expAvgSq, hasColumns ? columns : null, master) { Step = step };
            }
            Clear();
            foreach (var (name, s) in loaded) _state[name] = s;
            loaded.Clear();
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or System.Text.DecoderFallbackException)
        {
            throw new InvalidDataException($"The AdamW state stream is truncated or malformed ({e.Message}).", e);
        }
        finally
        {
            foreach (var s in loaded.Values) s.Dispose();
        }
    }

    /// <summary>Releases every moment estimate and the initial values kept for decay.</summary>
    public void Dispose()
    {
        Clear();
        foreach (var t in _initialValues.Values) t.Dispose();
        _initialValues.Clear();
        foreach (var t in _stepScales.Values) t.Dispose();
        _stepScales.Clear();
    }

    private void Clear()
    {
        foreach (var s in _state.Values) s.Dispose();
        _state.Clear();
    }

    private ColumnRange? TrainableColumns(Parameter p)
        => _columns is not null && _columns.TryGetTrainableColumns(p, out var range) ? range : null;

    private void ReleaseState(string name)
    {
        if (_state.Remove(name, out var s)) s.Dispose();
    }

    private ParameterState StateFor(string name, Parameter p, ColumnRange? range)
    {
        if (!_state.TryGetValue(name, out var state))
        {
            var shape = range is { } r ? new[] { p.shape[0], r.Count } : p.shape;
            state = new ParameterState(NewMoment(shape, p.device), NewMoment(shape, p.device), range, NewMaster(p));
            _state[name] = state;
            return state;
        }
        if (range is { } now && state.Columns is { } before && now != before)
        {
            long offset = now.Start - before.Start;
            if (offset < 0 || offset + now.Count > before.Count)
                throw new InvalidOperationException($"The trainable columns of '{name}' grew from [{before.Start}, +{before.Count}) to [{now.Start}, +{now.Count}); they may only shrink.");
            state.Slice(offset, now);
        }
        return state;
    }

    private static Tensor NewMoment(long[] shape, Device device)
        => torch.zeros(shape, ScalarType.Float32, device).DetachFromDisposeScope();

    /// <summary>A float32 copy of a parameter of another dtype (null for float32 parameters, updated in place).</summary>
    private static Tensor? NewMaster(Parameter p)
    {
        if (p.dtype == ScalarType.Float32) return null;
        using var noGrad = torch.no_grad();
        return p.detach().to(ScalarType.Float32).clone().DetachFromDisposeScope();
    }

    private static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        using var cpu = tensor.cpu().contiguous();
        writer.Write(cpu.dim());
        foreach (var size in cpu.shape) writer.Write(size);
        writer.Write(cpu.bytes);
    }

    private static Tensor ReadTensor(BinaryReader reader, string name, long[] expected, Device device)
    {
        long dimensions = reader.ReadInt64();
        if (dimensions != expected.Length)
            throw new InvalidDataException($"The saved AdamW state of '{name}' has {dimensions} dimensions, expected {expected.Length}.");
        var shape = new long[expected.Length];
        for (int i = 0; i < shape.Length; i++) shape[i] = reader.ReadInt64();
        if (!shape.SequenceEqual(expected))
            throw new InvalidDataException($"The saved AdamW state of '{name}' has shape [{string.Join(", ", shape)}], expected [{string.Join(", ", expected)}].");
        using var cpu = torch.empty(shape, ScalarType.Float32);
        var bytes = reader.ReadBytes((int)(cpu.numel() * sizeof(float)));
        if (bytes.Length != cpu.numel() * sizeof(float))
            throw new InvalidDataException("The AdamW state stream ends in the middle of a tensor.");
        cpu.bytes = bytes;
        return cpu.to(device).DetachFromDisposeScope();
    }

    private sealed class ParameterState(Tensor expAvg, Tensor expAvgSq, ColumnRange? columns, Tensor? master) : IDisposable
    {
        /// <summary>The float32 master copy of a non-float32 parameter (whole, frozen columns included); null for float32.</summary>
        public Tensor? Master { get; } = master;

        public Tensor ExpAvg { get; private set; } = expAvg;
        public Tensor ExpAvgSq { get; private set; } = expAvgSq;
        public ColumnRange? Columns { get; private set; } = columns;
        public long Step { get; set; }

        /// <summary>Keeps only the moments of the columns still trained (<paramref name="offset"/> is relative to the old range).</summary>
        public void Slice(long offset, ColumnRange now)
        {
            var avg = ExpAvg.narrow(1, offset, now.Count).clone().DetachFromDisposeScope();
            var avgSq = ExpAvgSq.narrow(1, offset, now.Count).clone().DetachFromDisposeScope();
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            (ExpAvg, ExpAvgSq, Columns) = (avg, avgSq, now);
        }

        public void Dispose()
        {
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            Master?.Dispose();
        }
    }
}
