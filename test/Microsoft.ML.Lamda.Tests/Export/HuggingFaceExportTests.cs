using System.Text.Json.Nodes;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tests.Models;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Export;

/// <summary>Each family's model exported as a Hugging Face folder loads back with the same logits and the family's architecture.</summary>
public sealed class HuggingFaceExportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-hf-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("bert-cls3", "BertForSequenceClassification")]
    [InlineData("roberta-cls2", "RobertaForSequenceClassification")]
    [InlineData("debertav3-cls3", "DebertaV2ForSequenceClassification")]
    public void Exported_folder_round_trips_within_1e_5(string name, string architecture)
    {
        var fixture = ReferenceFixture.Load(name);
        var cpu = new SequenceClassificationModelOptions { Device = "cpu" };
        using var model = SequenceClassificationModel.FromPretrained(fixture.Directory, cpu);
        var folder = Path.Combine(_directory, name);
        model.ExportToHuggingFace(folder);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal(architecture, (string)config["architectures"]![0]!);
        Assert.Equal("single_label_classification", (string)config["problem_type"]!);
        Assert.Equal(model.Config.NumLabels, (int)config["num_labels"]!);
        using var loaded = SequenceClassificationModel.FromPretrained(folder, cpu);
        using var noGrad = torch.no_grad();
        using var expected = model.Forward(fixture.Ids(), fixture.Mask, fixture.Types);
        using var actual = loaded.Forward(fixture.Ids(), fixture.Mask, fixture.Types);
        using var difference = (expected - actual).abs().max();
        Assert.InRange(difference.item<float>(), 0f, 1e-5f);
    }
}
