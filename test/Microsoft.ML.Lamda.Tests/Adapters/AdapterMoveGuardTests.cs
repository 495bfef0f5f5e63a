using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

/// <summary>
/// <c>Module.to(...)</c> after adapters are injected would replace every parameter and leave the optimizer and the PMB
/// freezing holding stale ones: it is refused, before anything moves, and a no-op move is still allowed.
/// </summary>
public class AdapterMoveGuardTests
{
    private static SequenceClassificationModel TinyModel()
    {
        torch.manual_seed(5);
        var config = EncoderConfig.Parse("""
            {"model_type":"bert","vocab_size":40,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":2,
             "intermediate_size":32,"max_position_embeddings":24,"num_labels":3}
            """, "tiny");
        return SequenceClassificationModel.Create(config, new SequenceClassificationModelOptions { Device = "cpu" });
    }

    public static TheoryData<AdapterMethod> Methods => new([AdapterMethod.Lamda, AdapterMethod.Lora]);

    [Theory]
    [MemberData(nameof(Methods))]
    public void MovingOrConvertingAnAdaptedModelIsRefusedAndMovesNothing(AdapterMethod method)
    {
        using var model = TinyModel();
        var adapted = AdapterInjector.Inject(model.Network, new AdapterConfig { Method = method, Rank = 4 });
        var before = model.Network.named_parameters().ToList();
        var trainable = adapted.TrainableParameters();

        var toBFloat16 = Assert.Throws<InvalidOperationException>(() => model.Network.to(ScalarType.BFloat16));
        Assert.Contains("adapters", toBFloat16.Message);
        Assert.Contains("BFloat16", toBFloat16.Message);
        var toMeta = Assert.Throws<InvalidOperationException>(() => model.Network.to(new Device(DeviceType.META)));
        Assert.Contains("META", toMeta.Message);
        Assert.Throws<InvalidOperationException>(() => model.Network.to(torch.CPU, ScalarType.Float16));

        // Nothing moved: the same parameter objects, on the CPU, in float32, and the ones the optimizer would get.
        var after = model.Network.named_parameters().ToList();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Same(before[i].parameter, after[i].parameter);
            Assert.Equal(DeviceType.CPU, after[i].parameter.device_type);
            Assert.Equal(ScalarType.Float32, after[i].parameter.dtype);
        }
        Assert.All(trainable, p => Assert.Contains(after, q => ReferenceEquals(q.parameter, p.Parameter)));

        // A move to where everything already is changes nothing and is allowed.
        model.Network.to(torch.CPU);
        model.Network.to(ScalarType.Float32);
        Assert.Same(before[0].parameter, model.Network.named_parameters().First().parameter);

        // Once merged the model is plain again and may move; the move replaces parameter objects, which is why
        // it must not happen while an optimizer or the PMB bookkeeping holds them.
        adapted.Merge();
        var merged = model.Network.parameters().ToList();
        model.Network.to(ScalarType.BFloat16);
        var moved = model.Network.parameters().ToList();
        Assert.All(moved, p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.True(moved.Zip(merged).Count(pair => !ReferenceEquals(pair.First, pair.Second)) > moved.Count / 2);
    }

    [Fact]
    public void AnyTreeWithAnAdapterRefusesTheMove()
    {
        using var encoder = AdapterTraining.NewModel();
        AdapterInjector.Inject(encoder, new AdapterConfig { Method = AdapterMethod.Lamda, Rank = 2 });
        var error = Assert.Throws<InvalidOperationException>(() => encoder.to(ScalarType.Float64));
        Assert.Contains(nameof(LamdaLinear), error.Message);
    }
}
