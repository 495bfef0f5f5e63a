using TorchSharp.Modules;
using Microsoft.ML.Lamda.Training;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// A module tree with adapters injected (see <see cref="AdapterInjector"/>): its trainable and stateful parameters,
/// the per-step PMB freezing hook, the trainable-parameter report, and the merge back to plain linear layers.
/// Implements <see cref="ITrainableColumnSource"/> so that <see cref="AdamW"/> updates only B's unfrozen columns.
/// </summary>
public sealed class AdaptedModel : ITrainableColumnSource
{
    private readonly Dictionary<Parameter, LamdaLinear> _pmbOwners = new(ReferenceEqualityComparer.Instance);
    private readonly IReadOnlyDictionary<string, double> _energyScores;
    private bool _merged;

    internal AdaptedModel(Module root, AdapterConfig config, IReadOnlyList<(string Name, IAdapterLayer Layer)> layers, IReadOnlyList<string> headModuleNames, IReadOnlyDictionary<string, double> energyScores)
    {
        Root = root;
        Config = config;
        Layers = layers;
        HeadModuleNames = headModuleNames;
        _energyScores = energyScores;
        foreach (var (_, layer) in layers)
            if (layer is LamdaLinear lamda) _pmbOwners[lamda.ProjectionB] = lamda;
    }

    /// <summary>The root of the adapted module tree.</summary>
    public Module Root { get; }

    /// <summary>The configuration the adapters were built from.</summary>
    public AdapterConfig Config { get; }

    /// <summary>The adapted layers, by dotted module name.</summary>
    public IReadOnlyList<(string Name, IAdapterLayer Layer)> Layers { get; }

    /// <summary>Dotted names of the modules trained in full (ModulesToSave matches).</summary>
    public IReadOnlyList<string> HeadModuleNames { get; }

    /// <summary>Parameters that currently require a gradient, with their dotted names (pass these to the optimizer).</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters()
        => Root.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();

    /// <summary>
    /// The optimizer's parameter groups for the parameters that currently require a gradient: LaMDA's S at the base
    /// rate and B at the base rate times <see cref="ParameterGroupSettings.PmbLearningRateMultiplier"/> (both decayed
    /// towards their initial values when asked), the head at the base rate times
    /// <see cref="ParameterGroupSettings.HeadLearningRateMultiplier"/>, everything else (LoRA's A and B, the encoder in
    /// full fine-tuning) at the base rate. No decay for biases and normalization weights. Empty groups are left out.
    /// With <see cref="ParameterGroupSettings.RelativeLamdaSteps"/>, S's and B's steps are scaled per layer so that the
    /// rate is a relative step size (<see cref="LamdaLinear"/>'s step scales).
    /// </summary>
    public IReadOnlyList<AdamWParameterGroup> ParameterGroups(ParameterGroupSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var trainable = TrainableParameters();
        var s = new HashSet<Parameter>(Layers.Select(l => l.Layer).OfType<LamdaLinear>().Select(l => l.AdapterS), ReferenceEqualityComparer.Instance);
        bool IsHead(string name) => HeadModuleNames.Any(h => name.StartsWith(h + ".", StringComparison.Ordinal));
        var groups = new List<AdamWParameterGroup>();
        var lamdaLayers = Layers.Select(l => l.Layer).OfType<LamdaLinear>().ToList();
        Dictionary<Parameter, StepScale>? sScales = null, bScales = null;
        if (settings.RelativeLamdaSteps)
        {
            (sScales, bScales) = (new(ReferenceEqualityComparer.Instance), new(ReferenceEqualityComparer.Instance));
            foreach (var layer in lamdaLayers)
                (sScales[layer.AdapterS], bScales[layer.ProjectionB]) = layer.RelativeStepScales();
        }
        void AddGroup(IEnumerable<(string Name, Parameter Parameter)> parameters, double rate, Dictionary<Parameter, StepScale>? scales)
        {
            var list = parameters.ToList();
            if (list.Count > 0)
                groups.Add(new AdamWParameterGroup(list, rate, settings.WeightDecay, settings.DecayTowardsInitialValues,
                    scales?.Count > 0 ? list.ToDictionary(p => p.Name, p => scales[p.Parameter], StringComparer.Ordinal) : null));
        }
        AddGroup(trainable.Where(p => s.Contains(p.Parameter)), settings.LearningRate, sScales);
        AddGroup(trainable.Where(p => _pmbOwners.ContainsKey(p.Parameter)), settings.LearningRate * settings.PmbLearningRateMultiplier, bScales);
        var rest = trainable.Where(p => !s.Contains(p.Parameter) && !_pmbOwners.ContainsKey(p.Parameter)).ToList();
        groups.AddRange(AdamWParameterGroup.SplitByWeightDecay(rest.Where(p => IsHead(p.Name)), settings.LearningRate * settings.HeadLearningRateMultiplier, settings.WeightDecay));
        groups.AddRange(AdamWParameterGroup.SplitByWeightDecay(rest.Where(p => !IsHead(p.Name)), settings.LearningRate, settings.WeightDecay));
        return groups;
    }

    /// <summary>
    /// Every parameter whose value can change during training, with its dotted name (for training checkpoints):
    /// LaMDA's S and B (frozen columns included), LoRA's A and B, the head; every parameter for full fine-tuning.
    /// </summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> StatefulParameters()
    {
        if (Config.Method == AdapterMethod.FullFineTuning)
            return Root.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, layer) in Layers)
            foreach (var local in layer.StatefulParameterNames) names.Add($"{name}.{local}");
        return Root.named_parameters()
            .Where(p => names.Contains(p.name) || HeadModuleNames.Any(h => p.name.StartsWith(h + ".", StringComparison.Ordinal)))
            .Select(p => (p.name, p.parameter)).ToList();
    }

    /// <summary>
    /// PMB freezing hook: call before optimizer step <paramref name="step"/> (zero-based) of <paramref name="totalSteps"/>.
    /// Freezes k(step) columns of every LaMDA layer's B (<see cref="PmbFreezeSchedule"/>, t_i from the config); does nothing
    /// for other methods or when <see cref="AdapterConfig.FreezePmb"/> is off.
    /// </summary>
    public void Step(int step, int totalSteps)
    {
        EnsureNotMerged();
        if (!Config.FreezePmb) return;
        int freezeSteps = PmbFreezeSchedule.ResolveFreezeSteps(totalSteps, Config.FreezeFraction, Config.FreezeSteps);
        int startStep = PmbFreezeSchedule.ResolveStartStep(totalSteps, Config.FreezeStartFraction, Config.FreezeStartSteps);
        if (startStep >= freezeSteps)
        {
            // Two fractions of a short run can round to the same step; an explicit start at or after t_i is an error.
            if (Config.FreezeStartSteps is not null)
                throw new ArgumentException($"FreezeStartSteps = {startStep} is not valid for this run: freezing must start before t_i = {freezeSteps} steps, when every column of B is frozen.");
            startStep = freezeSteps - 1;
        }
        foreach (var lamda in _pmbOwners.Values)
            lamda.FreezeColumns(new PmbFreezeSchedule(lamda.Rank, freezeSteps, Config.FreezeCurve, startStep).FrozenColumns(step));
    }

    /// <inheritdoc/>
    public bool TryGetTrainableColumns(Parameter parameter, out ColumnRange columns)
    {
        if (_pmbOwners.TryGetValue(parameter, out var lamda))
        {
            columns = lamda.TrainableColumns;
            return true;
        }
        columns = default;
        return false;
    }

    /// <summary>The trainable-parameter counts (PEFT line) and the per-layer table, as of now.</summary>
    public AdapterReport Report()
    {
        EnsureNotMerged();
        var adapted = Layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        long all = 0, trainable = 0, head = 0;
        foreach (var (name, p) in Root.named_parameters())
        {
            all += p.numel();
            if (!p.requires_grad || _pmbOwners.ContainsKey(p)) continue;
            trainable += p.numel();
            if (HeadModuleNames.Any(h => name.StartsWith(h + ".", StringComparison.Ordinal))) head += p.numel();
        }
        trainable += _pmbOwners.Values.Sum(l => (long)l.TrainableColumns.Count * l.OutFeatures);
        var rows = Layers.Select(l => new AdaptedLayerReport(l.Name, l.Layer.InFeatures, l.Layer.OutFeatures, l.Layer.Rank,
            _energyScores.TryGetValue(l.Name, out var e) ? e : null, l.Layer.TrainableParameterCount)).ToList();
        return new AdapterReport(Config.Method, trainable, all, head, rows);
    }

    /// <summary>
    /// Folds every adapter into a plain Linear (W₀ + (α/r)·B S A, or W + (α/r)·B A, in float32, stored in the weight's
    /// dtype), puts it back in the tree, disposes the adapter modules and returns <see cref="Root"/>, whose architecture
    /// is again exactly the original one. The adapted model cannot be used afterwards.
    /// </summary>
    public Module Merge()
    {
        EnsureNotMerged();
        var byName = Root.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        foreach (var (name, layer) in Layers)
        {
            var plain = layer.Merge();
            int dot = name.LastIndexOf('.');
            var parent = dot < 0 ? Root : byName[name[..dot]];
            ModuleTreeEditor.Replace(parent, name[(dot + 1)..], name, plain);
            ((Module)layer).Dispose();
        }
        _merged = true;
        return Root;
    }

    private void EnsureNotMerged()
    {
        if (_merged) throw new InvalidOperationException("The adapters were already merged into the model; the adapted model can no longer be used.");
    }
}
