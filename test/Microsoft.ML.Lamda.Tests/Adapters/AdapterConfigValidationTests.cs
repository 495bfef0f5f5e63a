using Microsoft.ML.Lamda.Adapters;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class AdapterConfigValidationTests
{
    [Theory]
    [InlineData(AdapterMethod.Lamda, 0, "Rank = 0")]
    [InlineData(AdapterMethod.Lora, -3, "Rank = -3")]
    [InlineData(AdapterMethod.Lamda, 13, "Rank 13")]          // above min(d_in, d_out) = 12 of the query layers
    [InlineData(AdapterMethod.LamdaPlusPlus, 13, "Rank 13")]
    public void RankOutOfRangeNamesTheValue(AdapterMethod method, int rank, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => AdapterTraining.Build(new AdapterConfig { Method = method, Rank = rank }));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.5)]
    [InlineData(double.NaN)]
    public void NonPositiveAlphaNamesTheValue(double alpha)
    {
        var e = Assert.Throws<ArgumentException>(() => AdapterTraining.Build(new AdapterConfig { Rank = 2, Alpha = alpha }));
        Assert.Contains($"Alpha = {alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)}", e.Message);
    }

    [Theory]
    [InlineData("attention.key")]
    [InlineData(@"layer\.9\..*")]
    public void ATargetPatternMatchingNothingNamesThePattern(string pattern)
    {
        var e = Assert.Throws<ArgumentException>(() => AdapterTraining.Build(new AdapterConfig { Rank = 2, TargetModules = [pattern] }));
        Assert.Contains($"'{pattern}' matches no module", e.Message);
    }

    [Theory]
    [InlineData("LayerNorm", "LayerNorm")]
    [InlineData("layer.0", "TinyBlock")]
    public void ATargetThatIsNotALinearNamesTheModule(string pattern, string type)
    {
        var e = Assert.Throws<ArgumentException>(() => AdapterTraining.Build(new AdapterConfig { Method = AdapterMethod.Lora, Rank = 2, TargetModules = [pattern] }));
        Assert.Contains($"'{pattern}'", e.Message);
        Assert.Contains(type, e.Message);
        Assert.Contains("not a Linear", e.Message);
    }

    [Fact]
    public void AModuleToSaveMatchingNothingNamesThePattern()
    {
        var e = Assert.Throws<ArgumentException>(() => AdapterTraining.Build(new AdapterConfig { ModulesToSave = ["pooler"] }));
        Assert.Contains("'pooler'", e.Message);
    }

    [Fact]
    public void BadDropoutNamesTheValue()
    {
        var e = Assert.Throws<ArgumentException>(() => AdapterTraining.Build(new AdapterConfig { Dropout = 1.5 }));
        Assert.Contains("Dropout = 1.5", e.Message);
    }

    [Fact]
    public void ALinearFieldTypedLinearCannotBeReplacedAndSaysHowToFixIt()
    {
        using var model = new RigidModel();
        var e = Assert.Throws<ArgumentException>(() => AdapterInjector.Inject(model, new AdapterConfig { Rank = 2, TargetModules = ["proj"] }));
        Assert.Contains("Module<Tensor, Tensor>", e.Message);
    }

    private sealed class RigidModel : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        private readonly TorchSharp.Modules.Linear proj = torch.nn.Linear(4, 4);

        public RigidModel() : base(nameof(RigidModel)) => RegisterComponents();

        public override torch.Tensor forward(torch.Tensor input) => proj.call(input);
    }
}
