using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Tests.Adapters;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using Xunit.Abstractions;
using AdamW = Microsoft.ML.Lamda.Training.AdamW;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Training.Optimization;

/// <summary>
/// bfloat16 training learns: S starts at the singular values, where bfloat16's spacing (2⁻⁷ relative) is larger than
/// an AdamW step at a small learning rate, so without float32 master weights S would never move. The same tiny
/// LaMDA model trained in float32 and in bfloat16 on the same data for the same steps must change S and B alike and
/// follow the same loss curve, within bfloat16's resolution.
/// </summary>
public class BFloat16TrainingTests(ITestOutputHelper output)
{
    private const int Steps = 100;
    private const double LearningRate = 1e-3;
    private const double WeightScale = 6; // singular values of the adapted layers from about 0.5 to 7, as in pretrained encoders

    [Fact]
    public void BFloat16RunChangesSAndBAndFollowsTheFloat32Run()
    {
        // One set of starting weights for both runs (other tests may draw from torch's global generator meanwhile).
        using var start = AdapterTraining.NewModel(seed: 21);
        var weights = start.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var f32 = Train(ScalarType.Float32, weights);
        var bf16 = Train(ScalarType.BFloat16, weights);

        double lossGap = f32.Losses.Zip(bf16.Losses, (a, b) => Math.Abs(a - b)).Max();
        double lossDrop = f32.Losses[0] - f32.Losses[^1];
        output.WriteLine($"float32 loss {f32.Losses[0]:F5} -> {f32.Losses[^1]:F5}; bfloat16 {bf16.Losses[0]:F5} -> {bf16.Losses[^1]:F5}; largest gap {lossGap:E2}");
        output.WriteLine($"S diagonal change: float32 {Norm(f32.DiagonalChange):E3}, bfloat16 {Norm(bf16.DiagonalChange):E3}, difference {Norm(Sub(f32.DiagonalChange, bf16.DiagonalChange)):E3}");
        output.WriteLine($"B change: float32 {Norm(f32.BChange):E3}, bfloat16 {Norm(bf16.BChange):E3}, difference {Norm(Sub(f32.BChange, bf16.BChange)):E3}");

        Assert.True(lossDrop > 0, "the float32 run did not learn");
        // S's diagonal holds the singular values; each step moves it by at most about the learning rate (1e-3), below half
        // a bfloat16 spacing there (2^-8 relative: 0.004 to 0.016), so only accumulated (master) updates move it. Its
        // change must match float32's within a quarter plus the rounding of the end value (half a spacing, 0.016).
        Assert.True(Norm(bf16.DiagonalChange) > 0.5 * Norm(f32.DiagonalChange), "S's diagonal did not move in bfloat16");
        Assert.True(Norm(Sub(f32.DiagonalChange, bf16.DiagonalChange)) < 0.25 * Norm(f32.DiagonalChange) + 0.016 * 2);
        Assert.True(Norm(Sub(f32.BChange, bf16.BChange)) < 0.25 * Norm(f32.BChange));
        // The loss curve follows float32's within 10 % of what float32 gains over the run, at every step.
        Assert.True(lossGap < 0.1 * lossDrop, $"bfloat16 loss strays {lossGap:E2} from float32's (float32 gains {lossDrop:E2})");
    }

    private static (List<double> Losses, double[] DiagonalChange, double[] BChange) Train(ScalarType dtype, Dictionary<string, Tensor> weights)
    {
        using var scope = torch.NewDisposeScope();
        using var model = AdapterTraining.NewModel();
        using (torch.no_grad())
            foreach (var (name, p) in model.named_parameters())
                p.copy_(name.StartsWith("layer.", StringComparison.Ordinal) && p.dim() == 2 ? weights[name] * WeightScale : weights[name]);
        model.to(dtype);
        var adapted = AdapterInjector.Inject(model, new AdapterConfig { Method = AdapterMethod.Lamda, Rank = 4, FreezePmb = false });
        var layer = adapted.Layers.Select(l => l.Layer).OfType<LamdaLinear>().First();
        var s0 = layer.AdapterS.detach().to(ScalarType.Float64).clone();
        var b0 = layer.ProjectionB.detach().to(ScalarType.Float64).clone();
        using var optimizer = new AdamW(AdamWParameterGroup.SplitByWeightDecay(adapted.TrainableParameters(), LearningRate, 0.01), columns: adapted);
        var (inputs, targets) = AdapterTraining.Task();
        var x = inputs.to(dtype);
        var losses = new List<double>();
        model.train();
        for (int step = 0; step < Steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            optimizer.ZeroGrad();
            var loss = nn.functional.mse_loss(model.call(x).to(ScalarType.Float32), targets);
            loss.backward();
            optimizer.Step();
            losses.Add(loss.item<float>());
        }
        var sChange = (layer.AdapterS.detach().to(ScalarType.Float64) - s0).diagonal();
        var bChange = layer.ProjectionB.detach().to(ScalarType.Float64) - b0;
        return (losses, sChange.data<double>().ToArray(), bChange.flatten().data<double>().ToArray());
    }

    private static double Norm(double[] values) => Math.Sqrt(values.Sum(v => v * v));

    private static double[] Sub(double[] a, double[] b) => a.Zip(b, (x, y) => x - y).ToArray();
}
