using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Models;

public class ReferenceOutputTests
{
    public static TheoryData<string> Folders => new(ReferenceFixture.Names);

    private static SequenceClassificationModelOptions Cpu => new() { Device = "cpu" };

    [Theory]
    [MemberData(nameof(Folders))]
    public void Reproduces_transformers_logits_and_hidden_states(string name)
    {
        var fixture = ReferenceFixture.Load(name);
        using var model = SequenceClassificationModel.FromPretrained(fixture.Directory, Cpu);
        using var noGrad = torch.no_grad();
        using var logits = model.Forward(fixture.Ids(), fixture.Mask, fixture.Types);
        using var hidden = model.Encode(fixture.Ids(), fixture.Mask, fixture.Types);
        Assert.True(fixture.LogitError(logits) < 1e-4, $"{name}: logits differ by {fixture.LogitError(logits)}");
        Assert.True(fixture.HiddenError(hidden) < 1e-4, $"{name}: hidden states differ by {fixture.HiddenError(hidden)}");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Parameter_names_are_exactly_the_checkpoint_keys(string name)
    {
        var fixture = ReferenceFixture.Load(name);
        using var model = SequenceClassificationModel.FromPretrained(fixture.Directory, Cpu);
        using var reader = SafetensorsReader.Open(Path.Combine(fixture.Directory, "model.safetensors"));
        var expected = reader.Tensors.Keys.Where(key => !key.EndsWith("position_ids", StringComparison.Ordinal)).Order().ToArray();
        Assert.Equal(expected, model.Network.named_parameters().Select(p => p.name).Order().ToArray());
        Assert.All(model.HeadModuleNames, head => Assert.Contains(expected, key => key.StartsWith(head + ".", StringComparison.Ordinal)));
    }

    [Fact]
    public void Int32_ids_give_the_same_logits_as_int64()
    {
        var fixture = ReferenceFixture.Load("roberta-cls2");
        using var model = SequenceClassificationModel.FromPretrained(fixture.Directory, Cpu);
        using var noGrad = torch.no_grad();
        using var wide = model.Forward(fixture.Ids(), fixture.Mask);
        using var narrow = model.Forward(fixture.Ids(ScalarType.Int32), fixture.Mask.to(ScalarType.Int32));
        Assert.True(wide.allclose(narrow));
    }
}
