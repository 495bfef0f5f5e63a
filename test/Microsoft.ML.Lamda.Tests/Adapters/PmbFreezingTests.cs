using Microsoft.ML.Lamda.Adapters;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class PmbFreezingTests
{
    [Theory]
    // r = 8, t_i = 10, by hand: cubic k(1) = ceil(8 · 0.271) = 3, k(5) = ceil(8 · 0.875) = 7, k(9) = ceil(8 · 0.999) = 8.
    [InlineData(PmbFreezeCurve.Cubic, new[] { 0, 1, 5, 9, 10, 50 }, new[] { 0, 3, 7, 8, 8, 8 })]
    // linear k(1) = ceil(0.8) = 1, k(5) = 4, k(9) = ceil(7.2) = 8.
    [InlineData(PmbFreezeCurve.Linear, new[] { 0, 1, 5, 9, 10, 50 }, new[] { 0, 1, 4, 8, 8, 8 })]
    public void ScheduleFollowsTheCurve(PmbFreezeCurve curve, int[] steps, int[] expected)
    {
        var schedule = new PmbFreezeSchedule(rank: 8, freezeSteps: 10, curve);
        Assert.Equal(expected, steps.Select(schedule.FrozenColumns));
        var all = Enumerable.Range(0, 12).Select(schedule.FrozenColumns).ToList();
        Assert.Equal(all.Order(), all);
    }

    [Theory]
    [InlineData(1000, 0.3, null, 300)]
    [InlineData(7, 0.3, null, 3)]
    [InlineData(1000, 0.3, 25, 25)]
    [InlineData(1, 0.3, null, 1)]
    public void FreezeStepsDefaultTo30PercentOfTheRunUnlessGiven(int total, double fraction, int? absolute, int expected)
        => Assert.Equal(expected, PmbFreezeSchedule.ResolveFreezeSteps(total, fraction, absolute));

    [Theory]
    [InlineData(PmbFreezeOrder.LargestFirst)]
    [InlineData(PmbFreezeOrder.SmallestFirst)]
    public void AFrozenColumnIsBitIdenticalAfterFurtherStepsWithMomentumAndWeightDecay(PmbFreezeOrder order)
    {
        const int r = 4;
        var (model, adapted) = AdapterTraining.Build(new AdapterConfig { Rank = r, FreezeSteps = 8, FreezeOrder = order });
        using var optimizer = AdapterTraining.Optimizer(adapted, learningRate: 1e-2, weightDecay: 0.5);
        var layer = Assert.IsType<LamdaLinear>(adapted.Layers[0].Layer);
        int first = order == PmbFreezeOrder.LargestFirst ? 0 : r - 1;
        int last = r - 1 - first;

        AdapterTraining.Train(model, adapted, optimizer, steps: 1, totalSteps: 100); // step 0: every column trains, moments build up
        adapted.Step(1, 100);
        Assert.Equal(2, layer.FrozenColumnCount); // k(1) = ceil(4 · (1 − (7/8)³)) = ceil(1.32) = 2
        using var frozenColumn = layer.ProjectionB.detach().select(1, first).clone();
        using var trainedColumn = layer.ProjectionB.detach().select(1, last).clone();

        AdapterTraining.Train(model, adapted, optimizer, steps: 1, totalSteps: 100, firstStep: 1);
        Assert.True(TensorAssert.BitIdentical(frozenColumn, layer.ProjectionB.detach().select(1, first)), "a frozen column of B changed");
        Assert.False(TensorAssert.BitIdentical(trainedColumn, layer.ProjectionB.detach().select(1, last)), "an unfrozen column of B did not change");
        Assert.Equal(2L * layer.OutFeatures * (r - 2), optimizer.StateElementCount(adapted.Layers[0].Name + ".lamda_B"));
    }

    [Fact]
    public void AfterFreezeStepsBHasNoGradientAndNoOptimizerState()
    {
        var (model, adapted) = AdapterTraining.Build(new AdapterConfig { Rank = 4, FreezeSteps = 3 });
        using var optimizer = AdapterTraining.Optimizer(adapted);
        AdapterTraining.Train(model, adapted, optimizer, steps: 2, totalSteps: 100); // k(1) = ceil(4 · (1 − (2/3)³)) = 3 < r
        string name = adapted.Layers[0].Name + ".lamda_B";
        Assert.True(optimizer.HasState(name));
        var b = adapted.StatefulParameters().Single(p => p.Name == name).Parameter;
        using var before = b.detach().clone();

        AdapterTraining.Train(model, adapted, optimizer, steps: 2, totalSteps: 100, firstStep: 2);
        Assert.False(b.requires_grad);
        Assert.Null(b.grad);
        Assert.False(optimizer.HasState(name));
        Assert.True(TensorAssert.BitIdentical(before, b.detach()));
        // Only S (r² per layer) keeps moments now: 2 moments × 8 layers × 16.
        Assert.Equal(2L * 8 * 16, optimizer.StateElementCount());
    }

    [Fact]
    public void FreezingStartsAfterTheStartStepAndEndsAtTi()
    {
        // r = 8, t_s = 4, t_i = 10, linear: k = ceil(8 · (t − 4)/6).
        var schedule = new PmbFreezeSchedule(rank: 8, freezeSteps: 10, PmbFreezeCurve.Linear, startStep: 4);
        Assert.Equal(new[] { 0, 0, 0, 2, 6, 8, 8 }, new[] { 0, 3, 4, 5, 8, 10, 20 }.Select(schedule.FrozenColumns));
    }

    [Theory]
    [InlineData(0.5, null, 0.8, null, 5, 8)]   // fractions of a 10-step run
    [InlineData(0.0, 3, 0.3, 7, 3, 7)]          // absolute steps override the fractions
    public void TheAdaptedModelFreezesWhenTheConfigSays(double startFraction, int? startSteps, double endFraction, int? endSteps, int lastUnfrozen, int firstAllFrozen)
    {
        var config = new AdapterConfig { Rank = 4, FreezeStartFraction = startFraction, FreezeStartSteps = startSteps, FreezeFraction = endFraction, FreezeSteps = endSteps };
        var (_, adapted) = AdapterTraining.Build(config);
        var layer = (LamdaLinear)adapted.Layers[0].Layer;
        for (int step = 0; step <= 10; step++)
        {
            adapted.Step(step, totalSteps: 10);
            int frozen = layer.FrozenColumnCount;
            if (step <= lastUnfrozen) Assert.Equal(0, frozen);
            else if (step >= firstAllFrozen) Assert.Equal(4, frozen);
            else Assert.InRange(frozen, 1, 4);
        }
    }

    [Theory]
    [InlineData(0.3, null, 0.3, null, "FreezeStartFraction = 0.3")]
    [InlineData(0.0, 7, 0.3, 7, "FreezeStartSteps = 7")]
    [InlineData(1.0, null, 0.3, null, "FreezeStartFraction = 1")]
    public void AStartNotBeforeTiIsRejectedByName(double startFraction, int? startSteps, double endFraction, int? endSteps, string expected)
    {
        var config = new AdapterConfig { Rank = 4, FreezeStartFraction = startFraction, FreezeStartSteps = startSteps, FreezeFraction = endFraction, FreezeSteps = endSteps };
        var e = Assert.Throws<ArgumentException>(() => AdapterTraining.Build(config));
        Assert.Contains(expected, e.Message);
    }
}
