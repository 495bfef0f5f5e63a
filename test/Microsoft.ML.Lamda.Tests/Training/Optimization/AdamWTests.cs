using Microsoft.ML.Lamda.Training;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = Microsoft.ML.Lamda.Training.AdamW;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Training.Optimization;

public class AdamWTests
{
    [Fact]
    public void StepsMatchTorchAdamWWithDecoupledWeightDecayAndBiasCorrection()
    {
        torch.manual_seed(1);
        using var scope = torch.NewDisposeScope();
        var ours = new Parameter(torch.randn(5, 4));
        var reference = new Parameter(ours.detach().clone());
        using var optimizer = new AdamW([new AdamWParameterGroup([("w", ours)], learningRate: 0.05, weightDecay: 0.1)]);
        var torchOptimizer = torch.optim.AdamW([reference], lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.1);
        for (int step = 0; step < 6; step++)
        {
            var target = torch.randn(5, 4);
            foreach (var p in new[] { ours, reference })
            {
                p.grad = null;
                (p - target).pow(3).sum().backward();
            }
            optimizer.Step();
            torchOptimizer.step();
        }
        Assert.True((ours - reference).abs().max().item<float>() < 1e-6f);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)] // the float32 master copies are saved and restored too
    public void SavedStateRestoresTrainingBitForBit(ScalarType dtype)
    {
        torch.manual_seed(2);
        using var scope = torch.NewDisposeScope();
        var (weight, bias) = NewParameters(dtype);
        var source = new FixedColumns(weight, new ColumnRange(1, 3));
        using var optimizer = Optimizer(weight, bias, source);
        Run(optimizer, weight, bias, steps: 3, seed: 10);
        source.Columns = new ColumnRange(2, 2); // a column freezes: the state is sliced
        Run(optimizer, weight, bias, steps: 1, seed: 20);
        using var saved = new MemoryStream();
        optimizer.SaveState(saved);
        var (weightAtSave, biasAtSave) = (weight.detach().clone(), bias.detach().clone());
        Run(optimizer, weight, bias, steps: 3, seed: 30);

        var (resumedWeight, resumedBias) = NewParameters(dtype);
        using (torch.no_grad()) { resumedWeight.copy_(weightAtSave); resumedBias.copy_(biasAtSave); }
        var resumedSource = new FixedColumns(resumedWeight, new ColumnRange(2, 2));
        using var resumed = Optimizer(resumedWeight, resumedBias, resumedSource);
        saved.Position = 0;
        resumed.LoadState(saved);
        Run(resumed, resumedWeight, resumedBias, steps: 3, seed: 30);

        Assert.True(BitIdentical(weight, resumedWeight));
        Assert.True(BitIdentical(bias, resumedBias));
        Assert.False(BitIdentical(weight, weightAtSave));
        Assert.Equal(2L * 6 * 2 + 2L * 6, resumed.StateElementCount()); // weight: 2 moments x 6 rows x 2 columns; bias: 2 x 6
    }

    [Fact]
    public void LoadingAStateForAnotherParameterNamesIt()
    {
        using var scope = torch.NewDisposeScope();
        var (weight, bias) = NewParameters();
        using var optimizer = Optimizer(weight, bias, null);
        Run(optimizer, weight, bias, steps: 1, seed: 1);
        using var saved = new MemoryStream();
        optimizer.SaveState(saved);
        saved.Position = 0;
        using var other = new AdamW([new AdamWParameterGroup([("other.weight", weight)], 0.1, 0)]);
        var e = Assert.Throws<InvalidDataException>(() => other.LoadState(saved));
        Assert.Contains("head.bias", e.Message);
    }

    [Fact]
    public void WeightDecayGroupsLeaveBiasesAndNormWeightsUndecayed()
    {
        using var scope = torch.NewDisposeScope();
        var named = new (string, Parameter)[]
        {
            ("encoder.layer.0.query.lamda_S", new Parameter(torch.zeros(2, 2))),
            ("encoder.layer.0.query.bias", new Parameter(torch.zeros(2))),
            ("encoder.layer.0.output.LayerNorm.weight", new Parameter(torch.ones(2))),
            ("classifier.weight", new Parameter(torch.zeros(3, 2))),
        };
        var groups = AdamWParameterGroup.SplitByWeightDecay(named, 1e-3, 0.01);
        Assert.Equal(["encoder.layer.0.query.lamda_S", "classifier.weight"], groups.Single(g => g.WeightDecay == 0.01).Parameters.Select(p => p.Name));
        Assert.Equal(["encoder.layer.0.query.bias", "encoder.layer.0.output.LayerNorm.weight"], groups.Single(g => g.WeightDecay == 0).Parameters.Select(p => p.Name));
    }

    [Fact]
    public void ClippingScalesTheGlobalNormOfTrainableColumnsToTheLimit()
    {
        using var scope = torch.NewDisposeScope();
        var weight = new Parameter(torch.zeros(2, 3)) { grad = torch.tensor(new float[] { 100, 3, 0, 100, 0, 4 }).reshape(2, 3) };
        var bias = new Parameter(torch.zeros(2)) { grad = torch.tensor(new float[] { 0, 0 }) };
        using var optimizer = Optimizer(weight, bias, new FixedColumns(weight, new ColumnRange(1, 2)));
        double norm = optimizer.ClipGradientNorm(1.0).ToDouble();
        Assert.Equal(5.0, norm, 1e-5); // column 0 is frozen and does not count
        Assert.Equal(1.0, weight.grad!.narrow(1, 1, 2).norm().item<float>(), 1e-4);
    }

    [Theory]
    [InlineData(0, 1.0 / 3)]
    [InlineData(1, 2.0 / 3)]
    [InlineData(2, 1.0)]
    [InlineData(6, 0.5)]
    [InlineData(9, 0.125)]
    [InlineData(10, 0.0)]
    public void ScheduleWarmsUpLinearlyThenDecaysLinearlyToZero(int step, double expected)
        => Assert.Equal(expected, new LinearWarmupDecaySchedule(warmupSteps: 2, totalSteps: 10).Multiplier(step), 1e-12);

    [Fact]
    public void ScheduleRejectsAWarmupLongerThanTheRun()
    {
        var e = Assert.Throws<ArgumentException>(() => new LinearWarmupDecaySchedule(20, 10));
        Assert.Contains("warmupSteps = 20", e.Message);
    }

    private static (Parameter Weight, Parameter Bias) NewParameters(ScalarType dtype = ScalarType.Float32)
    {
        using var generator = new Generator(3);
        return (new Parameter(torch.randn([6, 4], generator: generator).to(dtype)), new Parameter(torch.randn([6], generator: generator).to(dtype)));
    }

    private static AdamW Optimizer(Parameter weight, Parameter bias, ITrainableColumnSource? columns)
        => new([new AdamWParameterGroup([("head.weight", weight)], 0.05, 0.2), new AdamWParameterGroup([("head.bias", bias)], 0.05, 0)], columns: columns);

    private static void Run(AdamW optimizer, Parameter weight, Parameter bias, int steps, int seed)
    {
        using var generator = new Generator((ulong)seed);
        for (int i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.ZeroGrad();
            var x = torch.randn([8, 4], generator: generator).to(weight.dtype);
            var loss = nn.functional.linear(x, weight, bias).tanh().square().mean();
            loss.backward();
            optimizer.Step(learningRateMultiplier: 0.5 + i);
        }
    }

    private static bool BitIdentical(Tensor a, Tensor b)
    {
        using var ca = a.detach().contiguous();
        using var cb = b.detach().contiguous();
        return ca.bytes.SequenceEqual(cb.bytes);
    }

    private sealed class FixedColumns(Parameter parameter, ColumnRange columns) : ITrainableColumnSource
    {
        public ColumnRange Columns { get; set; } = columns;

        public bool TryGetTrainableColumns(Parameter p, out ColumnRange range)
        {
            range = Columns;
            return ReferenceEquals(p, parameter);
        }
    }
}
