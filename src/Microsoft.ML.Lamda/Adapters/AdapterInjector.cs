using System.Text.RegularExpressions;
using TorchSharp.Modules;
using Module = TorchSharp.torch.nn.Module;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// Wraps the target Linear layers of any TorchSharp module tree with adapters (PEFT's model-level walker): freezes
/// every parameter, swaps each target for a <see cref="LamdaLinear"/> or <see cref="LoraLinear"/> in place (registered
/// submodule and C# field), and unfreezes the modules to save. The wrapped Linear layers are owned by the result.
/// </summary>
public static class AdapterInjector
{
    private static readonly Regex NumberedSegment = new(@"(^|\.)\d+(\.|$)", RegexOptions.CultureInvariant);

    /// <summary>
    /// Injects the adapters <paramref name="config"/> describes into <paramref name="root"/>. Every check runs before
    /// the tree is changed, so a rejected configuration leaves the model as it was.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An invalid setting (rank ≤ 0 or above min(d_in, d_out) of a target, α ≤ 0, ...), a pattern matching no module,
    /// a target pattern matching a module that is not a Linear, or a target inside a module to save; the message names the value.
    /// </exception>
    public static AdaptedModel Inject(Module root, AdapterConfig config)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var modules = root.named_modules().ToList();
        var heads = ResolveModulesToSave(modules, config.ModulesToSave);
        var layers = new List<(string Name, IAdapterLayer Layer)>();
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);

        if (config.Method == AdapterMethod.FullFineTuning)
        {
            foreach (var p in root.parameters()) p.requires_grad = true;
            return new AdaptedModel(root, config, layers, heads, scores);
        }

        var targets = ResolveTargets(modules, config.TargetModules);
        var parents = modules.ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var adapterType = config.Method == AdapterMethod.Lora ? typeof(LoraLinear) : typeof(LamdaLinear);
        foreach (var (name, linear) in targets)
        {
            AdapterValidation.CheckRank(config.Rank, linear.in_features, linear.out_features, name);
            var head = heads.FirstOrDefault(h => name == h || name.StartsWith(h + ".", StringComparison.Ordinal));
            if (head is not null)
                throw new ArgumentException($"Target layer '{name}' lies inside module to save '{head}'; a module is either adapted or trained in full.", nameof(config));
            int dot = name.LastIndexOf('.');
            ModuleTreeEditor.EnsureReplaceable(dot < 0 ? root : parents[name[..dot]], name[(dot + 1)..], name, adapterType);
        }
        foreach (var p in root.parameters()) p.requires_grad = false;

        var build = config.Method == AdapterMethod.Lora ? LoraBuilder(config) : LamdaBuilder(config, targets, scores);
        foreach (var (name, linear) in targets)
        {
            var adapter = build(name, linear);
            int dot = name.LastIndexOf('.');
            ModuleTreeEditor.Replace(dot < 0 ? root : parents[name[..dot]], name[(dot + 1)..], name, (Module)adapter);
            layers.Add((name, adapter));
        }

        foreach (var head in heads)
            foreach (var p in parents[head].parameters()) p.requires_grad = true;
        return new AdaptedModel(root, config, layers, heads, scores);
    }

    private static Func<string, Linear, IAdapterLayer> LoraBuilder(AdapterConfig config)
        => (name, linear) => new LoraLinear(linear, config.Rank, config.AlphaFor(config.Rank), config.Dropout, name);

    /// <summary>
    /// Takes each target's top-k singular triplets once (<see cref="LayerSpectrum"/>, float32), records its energy score e(r), allocates ranks (uniform for LaMDA,
    /// <see cref="EnergyRankAllocator"/> for LaMDA++) and returns a builder that wraps each layer from its spectrum.
    /// </summary>
    private static Func<string, Linear, IAdapterLayer> LamdaBuilder(AdapterConfig config, IReadOnlyList<(string Name, Linear Layer)> targets, Dictionary<string, double> scores)
    {
        int rank = config.Rank;
        // No LaMDA++ rank can exceed r·√L, since Σ r_l² ≤ L·r²: keep that many singular vectors per layer.
        long keep = config.Method == AdapterMethod.LamdaPlusPlus ? (long)Math.Floor(rank * Math.Sqrt(targets.Count)) : rank;
        var spectra = new Dictionary<string, LayerSpectrum>(StringComparer.Ordinal);
        foreach (var (name, linear) in targets)
        {
            spectra[name] = LayerSpectrum.Compute(linear.weight, keep);
            scores[name] = spectra[name].EnergyScore(rank);
        }
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        if (config.Method == AdapterMethod.LamdaPlusPlus)
        {
            var allocated = EnergyRankAllocator.Allocate(
                targets.Select(t => scores[t.Name]).ToList(),
                targets.Select(t => Math.Min(t.Layer.in_features, t.Layer.out_features)).ToList(),
                rank);
            for (int i = 0; i < targets.Count; i++) ranks[targets[i].Name] = allocated[i];
        }
        return (name, linear) =>
        {
            int layerRank = ranks.GetValueOrDefault(name, rank);
            using var spectrum = spectra[name];
            var adapter = new LamdaLinear(linear, layerRank, config.AlphaFor(layerRank), config.Dropout, config.Initialization, config.FreezeOrder, spectrum, name);
            linear.Dispose();
            return adapter;
        };
    }

    private static List<(string Name, Linear Layer)> ResolveTargets(List<(string name, Module module)> modules, IReadOnlyList<string>? patterns)
    {
        if (patterns is null)
        {
            var defaults = modules.Where(m => m.module is Linear && NumberedSegment.IsMatch(m.name)).Select(m => (m.name, (Linear)m.module)).ToList();
            if (defaults.Count == 0)
                throw new ArgumentException("TargetModules is null (adapt every Linear inside a numbered block), but the model has no Linear layer whose name has a numbered segment such as 'layer.0'; name the targets explicitly.", "TargetModules");
            return defaults;
        }
        var targets = new List<(string Name, Linear Layer)>();
        foreach (var text in patterns)
        {
            var pattern = new ModulePattern(text, "TargetModules");
            var matches = modules.Where(m => pattern.Matches(m.name)).ToList();
            if (matches.Count == 0)
                throw new ArgumentException($"TargetModules pattern '{text}' matches no module of the model.", "TargetModules");
            var notLinear = matches.FirstOrDefault(m => m.module is not Linear);
            if (notLinear.module is not null)
                throw new ArgumentException($"TargetModules pattern '{text}' matches module '{notLinear.name}', a {notLinear.module.GetType().Name}, not a Linear layer.", "TargetModules");
            targets.AddRange(matches.Select(m => (m.name, (Linear)m.module)).Where(m => targets.All(t => t.Name != m.name)));
        }
        return targets;
    }

    private static List<string> ResolveModulesToSave(List<(string name, Module module)> modules, IReadOnlyList<string>? patterns)
    {
        var heads = new List<string>();
        foreach (var text in patterns ?? [])
        {
            var pattern = new ModulePattern(text, "ModulesToSave");
            var matches = modules.Where(m => pattern.Matches(m.name)).Select(m => m.name).ToList();
            if (matches.Count == 0)
                throw new ArgumentException($"ModulesToSave pattern '{text}' matches no module of the model.", "ModulesToSave");
            heads.AddRange(matches.Where(m => !heads.Contains(m)));
        }
        // A module inside another module to save is covered by its ancestor.
        return heads.Where(h => !heads.Any(o => o != h && h.StartsWith(o + ".", StringComparison.Ordinal))).ToList();
    }
}
