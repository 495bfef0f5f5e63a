using Microsoft.ML.Lamda.Adapters;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class AdapterOptimizationTests
{
    [Theory]
    [InlineData(AdapterMethod.Lamda)]
    [InlineData(AdapterMethod.LamdaPlusPlus)]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.FullFineTuning)]
    public void AShortOptimizationReducesTheRegressionLoss(AdapterMethod method)
    {
        // No head is trained: the adapters alone must reduce the loss.
        var (model, adapted) = AdapterTraining.Build(new AdapterConfig { Method = method, Rank = 4 });
        using var optimizer = AdapterTraining.Optimizer(adapted, learningRate: 2e-2, weightDecay: 0.01);
        var losses = AdapterTraining.Train(model, adapted, optimizer, steps: 30, totalSteps: 30);
        Assert.True(losses[^1] < 0.7 * losses[0], $"{method}: loss went from {losses[0]:F4} to {losses[^1]:F4}");
    }
}
