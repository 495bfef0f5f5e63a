using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using Xunit.Abstractions;

namespace Microsoft.ML.Lamda.Tests.Adapters;

/// <summary>
/// Trainable-parameter counts of a BERT-shaped stack (six linears per block, FFN = 4d) at r = 8: method.md's formulas
/// are checked against a real injected stack at d = 64 (an SVD of a 768-wide matrix takes seconds on a loaded CPU),
/// then the same formulas give the BERT-base figures (12 blocks, d = 768, FFN 3072), written to the test output.
/// </summary>
public class BertBaseParameterCountTests(ITestOutputHelper output)
{
    private const int Rank = 8;

    [Fact]
    public void InjectedBertShapedStackCountsMatchTheFormulas()
    {
        const int blocks = 2, hidden = 64, intermediate = 256;
        var counts = Formulas(blocks, hidden, intermediate);

        var lamda = Inject(AdapterMethod.Lamda, blocks, hidden, intermediate);
        Assert.Equal(counts.LamdaDuring, lamda.Report().TrainableParameters);
        lamda.Step(1, 1);
        Assert.Equal(counts.LamdaAfter, lamda.Report().TrainableParameters);
        Assert.Equal(counts.Lora, Inject(AdapterMethod.Lora, blocks, hidden, intermediate).Report().TrainableParameters);
        Assert.Equal(counts.Full, Inject(AdapterMethod.FullFineTuning, blocks, hidden, intermediate).Report().TrainableParameters);
        var plusPlus = Inject(AdapterMethod.LamdaPlusPlus, blocks, hidden, intermediate).Report();
        Assert.Equal(plusPlus.Layers.Sum(l => (long)l.Rank * l.Rank + (long)l.Rank * l.OutFeatures), plusPlus.TrainableParameters);
        Assert.InRange(plusPlus.Layers.Sum(l => (long)l.Rank * l.Rank), (long)(0.9 * counts.LamdaAfter), counts.LamdaAfter);

        var bert = Formulas(12, 768, 3072);
        output.WriteLine($"BERT-base-shaped stack (12 blocks x 6 linears, d = 768, FFN 3072, r = {Rank}), trainable parameters without the head:");
        output.WriteLine($"  LaMDA before PMB freezing: {bert.LamdaDuring:N0}; after t_i: {bert.LamdaAfter:N0} (LaMDA++: Σ r_l² within [{0.9 * bert.LamdaAfter:N0}, {bert.LamdaAfter:N0}])");
        output.WriteLine($"  LoRA: {bert.Lora:N0}; full fine-tuning of these linears: {bert.Full:N0}");
    }

    private static (long LamdaDuring, long LamdaAfter, long Lora, long Full) Formulas(int blocks, int hidden, int intermediate)
    {
        var shapes = BertShapedStack.LinearShapes(hidden, intermediate);
        return (
            blocks * shapes.Sum(s => (long)Rank * Rank + (long)Rank * s.Out),
            blocks * shapes.Sum(s => (long)Rank * Rank),
            blocks * shapes.Sum(s => (long)Rank * (s.In + s.Out)),
            blocks * shapes.Sum(s => (long)s.In * s.Out + s.Out));
    }

    private static AdaptedModel Inject(AdapterMethod method, int blocks, int hidden, int intermediate)
    {
        torch.manual_seed(4);
        return AdapterInjector.Inject(new BertShapedStack(blocks, hidden, intermediate), new AdapterConfig { Method = method, Rank = Rank, FreezeSteps = 1 });
    }
}
