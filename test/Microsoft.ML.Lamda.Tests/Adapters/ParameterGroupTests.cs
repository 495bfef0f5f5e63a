using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Training;
using AdamW = Microsoft.ML.Lamda.Training.AdamW;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class ParameterGroupTests
{
    private static readonly AdapterConfig Lamda = new() { Rank = 4, ModulesToSave = ["classifier"], FreezeSteps = 100 };

    [Fact]
    public void EachGroupMovesByItsOwnRate()
    {
        var (model, adapted) = AdapterTraining.Build(Lamda);
        var settings = new ParameterGroupSettings(1e-2, WeightDecay: 0) { PmbLearningRateMultiplier = 0.1, HeadLearningRateMultiplier = 0.5 };
        using var optimizer = new AdamW(adapted.ParameterGroups(settings), columns: adapted);
        var before = adapted.TrainableParameters().ToDictionary(p => p.Name, p => p.Parameter.detach().clone());
        AdapterTraining.Train(model, adapted, optimizer, steps: 1, totalSteps: 100);

        // Adam's first step moves every element with a gradient well above epsilon by the rate itself.
        foreach (var (name, parameter) in adapted.TrainableParameters())
        {
            double expected = name.EndsWith("lamda_S", StringComparison.Ordinal) ? 1e-2
                : name.EndsWith("lamda_B", StringComparison.Ordinal) ? 1e-3
                : name.StartsWith("classifier.", StringComparison.Ordinal) ? 5e-3
                : throw new InvalidOperationException($"unexpected trainable parameter {name}");
            double moved = (parameter - before[name]).abs().max().item<float>();
            Assert.InRange(moved, expected * 0.99, expected * 1.01);
        }
    }

    [Fact]
    public void RelativeStepsMoveSByTheRateTimesTheRootOfItsSingularValuesAndBByTheRateOverTheRootOfItsWidth()
    {
        var (model, adapted) = AdapterTraining.Build(Lamda);
        var settings = new ParameterGroupSettings(1e-2, WeightDecay: 0) { PmbLearningRateMultiplier = 0.5, HeadLearningRateMultiplier = 0.5, RelativeLamdaSteps = true };
        using var optimizer = new AdamW(adapted.ParameterGroups(settings), columns: adapted);
        var before = adapted.TrainableParameters().ToDictionary(p => p.Name, p => p.Parameter.detach().clone());
        AdapterTraining.Train(model, adapted, optimizer, steps: 1, totalSteps: 100);

        int checkedLayers = 0;
        foreach (var (name, layer) in adapted.Layers)
        {
            var lamda = (LamdaLinear)layer;
            var sigma = lamda.SingularValues;
            Assert.True(sigma[^1] > 0, "the layer's weight must have a nonzero spectrum");
            // Adam's first step is ±rate·scale for every element whose gradient is well above ε.
            var movedS = (lamda.AdapterS.detach() - before[name + ".lamda_S"]).abs();
            for (int i = 0; i < lamda.Rank; i++)
                for (int j = 0; j < lamda.Rank; j++)
                {
                    double expected = 1e-2 * Math.Sqrt(sigma[i] * sigma[j] / lamda.Scaling);
                    double moved = movedS[i, j].item<float>();
                    Assert.InRange(moved, expected * 0.99, expected * 1.01);
                }
            double expectedB = 1e-2 * 0.5 / Math.Sqrt(lamda.OutFeatures);
            double movedB = (lamda.ProjectionB.detach() - before[name + ".lamda_B"]).abs().max().item<float>();
            Assert.InRange(movedB, expectedB * 0.99, expectedB * 1.01);
            checkedLayers++;
        }
        Assert.True(checkedLayers > 0);
        // The spectrum differs between entries, so the scaled steps differ: a plain-rate step would move all by 1e-2.
        var firstS = adapted.Layers.Select(l => (LamdaLinear)l.Layer).First();
        Assert.True(firstS.SingularValues[0] > firstS.SingularValues[^1] * 1.01);
        foreach (var (name, parameter) in adapted.TrainableParameters().Where(p => p.Name.StartsWith("classifier.", StringComparison.Ordinal)))
        {
            double moved = (parameter - before[name]).abs().max().item<float>();
            Assert.InRange(moved, 5e-3 * 0.99, 5e-3 * 1.01);
        }
    }

    [Fact]
    public void AStepScaleThatDoesNotFitItsParameterIsRefusedWithItsName()
    {
        var (_, adapted) = AdapterTraining.Build(Lamda);
        var s = adapted.Layers.Select(l => (LamdaLinear)l.Layer).First().AdapterS;
        var named = new[] { ("layer.lamda_S", s) };
        var wrongLength = Assert.Throws<ArgumentException>(() => new AdamWParameterGroup(named, 1e-2, 0, stepScales: new Dictionary<string, StepScale> { ["layer.lamda_S"] = new([1f, 2f], [1f]) }));
        Assert.Contains("'layer.lamda_S'", wrongLength.Message);
        Assert.Contains("expected 1 or 4", wrongLength.Message);
        var negative = Assert.Throws<ArgumentException>(() => new AdamWParameterGroup(named, 1e-2, 0, stepScales: new Dictionary<string, StepScale> { ["layer.lamda_S"] = new([1f], [-1f]) }));
        Assert.Contains("finite positive", negative.Message);
        var unknown = Assert.Throws<ArgumentException>(() => new AdamWParameterGroup(named, 1e-2, 0, stepScales: new Dictionary<string, StepScale> { ["other"] = new([1f], [1f]) }));
        Assert.Contains("'other'", unknown.Message);
    }

    [Fact]
    public void DecayTowardsInitialValuesLeavesAnUntouchedAdapterUnchanged()
    {
        var (_, adapted) = AdapterTraining.Build(Lamda);
        var adapters = AdapterTensors(adapted);
        var before = adapters.Select(p => p.detach().clone()).ToList();
        using (var optimizer = new AdamW(adapted.ParameterGroups(new ParameterGroupSettings(1e-2, 0.5) { DecayTowardsInitialValues = true }), columns: adapted))
            StepWithZeroGradients(optimizer, adapters, steps: 3);
        for (int i = 0; i < adapters.Count; i++)
            Assert.True(TensorAssert.BitIdentical(before[i], adapters[i].detach()), $"adapter tensor {i} changed without a gradient");

        // Decay towards zero shrinks the same untouched adapter, so the test above can fail.
        using (var optimizer = new AdamW(adapted.ParameterGroups(new ParameterGroupSettings(1e-2, 0.5)), columns: adapted))
            StepWithZeroGradients(optimizer, adapters, steps: 3);
        Assert.True(adapters[0].abs().sum().item<float>() < before[0].abs().sum().item<float>());
    }

    [Fact]
    public void DecayTowardsInitialValuesPullsAMovedAdapterBack()
    {
        var (_, adapted) = AdapterTraining.Build(Lamda);
        var s = AdapterTensors(adapted)[0];
        var initial = s.detach().clone();
        using var optimizer = new AdamW(adapted.ParameterGroups(new ParameterGroupSettings(1e-1, 1.0) { DecayTowardsInitialValues = true }), columns: adapted);
        using (torch.no_grad()) s.add_(1.0f);
        StepWithZeroGradients(optimizer, [s], steps: 1);
        // One decay step of lr·wd = 0.1 takes a tenth of the change away: 1 → 0.9.
        var change = (s - initial).mean().item<float>();
        Assert.InRange(change, 0.9 - 1e-5, 0.9 + 1e-5);
    }

    private static List<Parameter> AdapterTensors(AdaptedModel adapted)
        => adapted.Layers.Select(l => l.Layer).OfType<LamdaLinear>().SelectMany(l => new[] { l.AdapterS, l.ProjectionB }).ToList();

    private static void StepWithZeroGradients(AdamW optimizer, IReadOnlyList<Parameter> parameters, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            foreach (var p in parameters) p.grad = torch.zeros_like(p);
            optimizer.Step();
        }
    }
}
