using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class MergeTests
{
    [Theory]
    [InlineData(AdapterMethod.Lamda)]
    [InlineData(AdapterMethod.LamdaPlusPlus)]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.FullFineTuning)]
    public void MergedModelEqualsTheAdaptedModelAfterTrainingAndHasTheOriginalArchitecture(AdapterMethod method)
    {
        var config = new AdapterConfig { Method = method, Rank = 4, Dropout = 0.1, ModulesToSave = ["classifier"], FreezeSteps = 4 };
        var model = AdapterTraining.NewModel();
        var architecture = Describe(model);
        var adapted = AdapterInjector.Inject(model, config);
        using var optimizer = AdapterTraining.Optimizer(adapted);
        AdapterTraining.Train(model, adapted, optimizer, steps: 6, totalSteps: 6);

        using var scope = torch.NewDisposeScope();
        var x = torch.randn(5, AdapterTraining.Hidden);
        model.eval();
        var before = model.call(x).detach().clone();
        var merged = Assert.IsType<TinyEncoder>(adapted.Merge());
        var after = merged.call(x);

        TensorAssert.Close(before, after, 1e-5);
        Assert.Equal(architecture, Describe(merged));
        Assert.DoesNotContain(merged.modules(), m => m is IAdapterLayer);
        Assert.Throws<InvalidOperationException>(() => adapted.Report());
    }

    [Theory]
    [InlineData(LamdaInitialization.Spectral)]
    [InlineData(LamdaInitialization.Zero)]
    [InlineData(LamdaInitialization.Random)]
    public void EveryLamdaInitializationMergesToTheTrainedModel(LamdaInitialization initialization)
    {
        var config = new AdapterConfig { Rank = 4, Initialization = initialization, ModulesToSave = ["classifier"], FreezeStartSteps = 1, FreezeSteps = 4 };
        var (model, adapted) = AdapterTraining.Build(config);
        using var optimizer = new Microsoft.ML.Lamda.Training.AdamW(adapted.ParameterGroups(new Microsoft.ML.Lamda.Training.ParameterGroupSettings(1e-2, 0.1)
        {
            PmbLearningRateMultiplier = 0.1,
            HeadLearningRateMultiplier = 0.5,
            DecayTowardsInitialValues = true,
        }), columns: adapted);
        AdapterTraining.Train(model, adapted, optimizer, steps: 6, totalSteps: 6);

        using var scope = torch.NewDisposeScope();
        var x = torch.randn(5, AdapterTraining.Hidden);
        model.eval();
        var before = model.call(x).detach().clone();
        var after = Assert.IsType<TinyEncoder>(adapted.Merge()).call(x);
        TensorAssert.Close(before, after, 1e-5);
    }

    [Fact]
    public void AdaptersChangeTheModelSoTheMergeTestCanFail()
    {
        var (model, adapted) = AdapterTraining.Build(new AdapterConfig { Rank = 4 });
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(5, AdapterTraining.Hidden);
        model.eval();
        var start = model.call(x).detach().clone();
        using var optimizer = AdapterTraining.Optimizer(adapted);
        AdapterTraining.Train(model, adapted, optimizer, steps: 3, totalSteps: 10);
        model.eval();
        Assert.True((model.call(x) - start).abs().max().item<float>() > 1e-3);
    }

    /// <summary>Module types by name and parameter names with shapes and dtypes.</summary>
    private static List<string> Describe(nn.Module model)
        => model.named_modules().Select(m => $"{m.name}:{m.module.GetType().Name}")
            .Concat(model.named_parameters().Select(p => $"{p.name}:[{string.Join(",", p.parameter.shape)}]:{p.parameter.dtype}"))
            .ToList();
}
