using Microsoft.ML.Lamda.Adapters;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class TrainableParameterTests
{
    private const int H = AdapterTraining.Hidden, I = AdapterTraining.Inner;

    // Per block: query, value (H -> H), ffn.0 (H -> I), ffn.1 (I -> H); two blocks.
    private static readonly (string Name, int In, int Out)[] Targets =
        Enumerable.Range(0, 2).SelectMany(b => new[]
        {
            ($"layer.{b}.query", H, H), ($"layer.{b}.value", H, H), ($"layer.{b}.ffn.0", H, I), ($"layer.{b}.ffn.1", I, H),
        }).ToArray();

    private const long Head = H * AdapterTraining.Labels + AdapterTraining.Labels;

    [Fact]
    public void LamdaTrainsSAndUnfrozenColumnsOfBAndTheHeadOnly()
    {
        const int r = 4;
        var (model, adapted) = AdapterTraining.Build(new AdapterConfig { Rank = r, ModulesToSave = ["classifier"], FreezeSteps = 10 });
        var expectedNames = Targets.SelectMany(t => new[] { $"{t.Name}.lamda_S", $"{t.Name}.lamda_B" }).Append("classifier.weight").Append("classifier.bias");
        Assert.Equal(expectedNames.Order(), adapted.TrainableParameters().Select(p => p.Name).Order());
        Assert.Equal(Targets.Sum(t => (long)r * r + (long)r * t.Out) + Head, adapted.Report().TrainableParameters);
        Assert.Equal(Head, adapted.Report().HeadParameters);

        adapted.Step(5, 100); // cubic, t_i = 10: k(5) = ceil(4 · (1 − 0.5³)) = ceil(3.5) = 4 = r
        adapted.Step(2, 100); // never unfreezes
        int frozen = Assert.IsType<LamdaLinear>(adapted.Layers[0].Layer).FrozenColumnCount;
        Assert.Equal(4, frozen);
        Assert.Equal(Targets.Sum(t => (long)r * r) + Head, adapted.Report().TrainableParameters);
        Assert.DoesNotContain(adapted.TrainableParameters(), p => p.Name.EndsWith("lamda_B", StringComparison.Ordinal));
        Assert.Contains(adapted.StatefulParameters(), p => p.Name == "layer.1.ffn.0.lamda_B");
    }

    [Fact]
    public void PartiallyFrozenBCountsOnlyItsUnfrozenColumns()
    {
        const int r = 8;
        var (_, adapted) = AdapterTraining.Build(new AdapterConfig { Rank = r, FreezeSteps = 10, FreezeCurve = PmbFreezeCurve.Linear });
        adapted.Step(3, 100); // linear: k = ceil(8 · 0.3) = 3
        Assert.Equal(Targets.Sum(t => (long)r * r + (r - 3L) * t.Out), adapted.Report().TrainableParameters);
        Assert.All(adapted.Report().Layers, l => Assert.Equal(r * r + (r - 3L) * l.OutFeatures, l.TrainableParameters));
    }

    [Fact]
    public void LoraTrainsAAndB()
    {
        const int r = 3;
        var (_, adapted) = AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.Lora, Rank = r });
        Assert.Equal(Targets.SelectMany(t => new[] { $"{t.Name}.lora_A", $"{t.Name}.lora_B" }).Order(), adapted.TrainableParameters().Select(p => p.Name).Order());
        Assert.Equal(Targets.Sum(t => (long)r * (t.In + t.Out)), adapted.Report().TrainableParameters);
    }

    [Fact]
    public void LamdaPlusPlusCountsItsAllocatedRanks()
    {
        var (_, adapted) = AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.LamdaPlusPlus, Rank = 4 });
        var report = adapted.Report();
        Assert.Equal(report.Layers.Sum(l => (long)l.Rank * l.Rank + (long)l.Rank * l.OutFeatures), report.TrainableParameters);
        Assert.All(report.Layers, l => Assert.NotNull(l.EnergyScore));
        Assert.Contains("trainable params: ", report.SummaryLine);
        Assert.Contains("layer.0.ffn.1", report.ToString());
    }

    [Fact]
    public void FullFineTuningTrainsEverything()
    {
        var (model, adapted) = AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.FullFineTuning, ModulesToSave = ["classifier"] });
        long all = model.parameters().Sum(p => p.numel());
        Assert.Equal(all, adapted.Report().TrainableParameters);
        Assert.Equal(all, adapted.Report().AllParameters);
        Assert.Equal(100.0, adapted.Report().TrainablePercent, 1e-6);
        Assert.Equal(model.named_parameters().Count(), adapted.StatefulParameters().Count);
    }

    [Fact]
    public void DefaultTargetsAreTheLinearsInsideNumberedBlocks()
    {
        var (_, adapted) = AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.Lora, Rank = 2 });
        Assert.Equal(Targets.Select(t => t.Name).Order(), adapted.Layers.Select(l => l.Name).Order());
    }

    [Fact]
    public void PlainNamesMatchAsDottedSuffixesAndOtherPatternsAsRegex()
    {
        var (_, suffix) = AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.Lora, Rank = 2, TargetModules = ["query"] });
        Assert.Equal(["layer.0.query", "layer.1.query"], suffix.Layers.Select(l => l.Name));
        var (_, regex) = AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.Lora, Rank = 2, TargetModules = [@"layer\.1\.ffn\.\d"] });
        Assert.Equal(["layer.1.ffn.0", "layer.1.ffn.1"], regex.Layers.Select(l => l.Name));
    }
}
