using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

/// <summary>A few full-batch AdamW steps on a fixed synthetic regression task, as a trainer would run them.</summary>
internal static class AdapterTraining
{
    public const int Hidden = 12;
    public const int Inner = 20;
    public const int Labels = 3;

    public static TinyEncoder NewModel(int seed = 11)
    {
        torch.manual_seed(seed);
        return new TinyEncoder(blocks: 2, Hidden, Inner, Labels);
    }

    public static (TinyEncoder Model, AdaptedModel Adapted) Build(AdapterConfig config, int seed = 11)
    {
        var model = NewModel(seed);
        return (model, AdapterInjector.Inject(model, config));
    }

    public static (Tensor Inputs, Tensor Targets) Task(int seed = 12)
    {
        using var generator = new Generator((ulong)seed);
        var inputs = torch.randn([32, Hidden], generator: generator);
        var teacher = torch.randn([Hidden, Labels], generator: generator);
        return (inputs, torch.tanh(inputs.matmul(teacher)));
    }

    /// <summary>Runs <paramref name="steps"/> optimizer steps and returns the loss before each.</summary>
    public static List<double> Train(TinyEncoder model, AdaptedModel adapted, AdamW optimizer, int steps, int totalSteps, int firstStep = 0)
    {
        var (inputs, targets) = Task();
        var losses = new List<double>();
        model.train();
        for (int step = firstStep; step < firstStep + steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            adapted.Step(step, totalSteps);
            optimizer.ZeroGrad();
            var loss = nn.functional.mse_loss(model.call(inputs), targets);
            loss.backward();
            optimizer.ClipGradientNorm(10.0);
            optimizer.Step();
            losses.Add(loss.item<float>());
        }
        inputs.Dispose();
        targets.Dispose();
        return losses;
    }

    public static AdamW Optimizer(AdaptedModel adapted, double learningRate = 1e-2, double weightDecay = 0.1)
        => new(AdamWParameterGroup.SplitByWeightDecay(adapted.TrainableParameters(), learningRate, weightDecay), columns: adapted);
}
