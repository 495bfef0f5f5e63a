using System.Text.Json.Nodes;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Pretraining;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Pretraining;

public sealed class HuggingFaceFolderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-pretraining-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void WriteModel_SavesAFloat16EncoderThatLoadsBackWithTheSameOutputs()
    {
        torch.manual_seed(5);
        var config = new EncoderConfig
        {
            ModelType = "deberta-v2", VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 32,
            TypeVocabSize = 0, LayerNormEps = 1e-7, RelativeAttention = true, PositionBuckets = 8, ShareAttentionKey = true,
            NormalizeRelativeEmbeddings = true, PositionAttentionTypes = ["p2c", "c2p"], PositionBiasedInput = false, PoolerHiddenSize = 16,
        };
        using var model = SequenceClassificationModel.Create(config);
        using var head = new MaskedLanguageModelHead(16, 40, 1e-7, 0.02);

        HuggingFaceFolder.WriteModel(_directory, config with { HiddenDropoutProb = 0.1 }, model, head);
        using var loaded = SequenceClassificationModel.FromPretrained(_directory);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_directory, "config.json")))!;
        Assert.Equal("DebertaV2ForMaskedLM", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal(0.1, json["hidden_dropout_prob"]!.GetValue<double>());
        using var ids = torch.tensor(new long[] { 1, 7, 9, 30, 2, 1, 5, 6, 8, 2 }, [2, 5]);
        using var mask = torch.ones([2, 5], torch.int64);
        using var expected = model.Encode(ids, mask);
        using var actual = loaded.Encode(ids, mask);
        Assert.True(actual.allclose(expected, rtol: 1e-2, atol: 1e-2), "outputs differ beyond float16 rounding");
        Assert.False(actual.allclose(torch.zeros_like(actual)));
    }
}
