using System.Text.Json;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tests.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Checkpoints;

public class CheckpointLoadingTests
{
    private static SequenceClassificationModelOptions Cpu(List<string>? log = null, int? labels = null) =>
        new() { Device = "cpu", Log = log is null ? null : log.Add, NumLabels = labels };

    private static (double Logits, double Hidden) Errors(string folder, ReferenceFixture fixture, SequenceClassificationModelOptions options)
    {
        using var model = SequenceClassificationModel.FromPretrained(folder, options);
        using var noGrad = torch.no_grad();
        using var logits = model.Forward(fixture.Ids(), fixture.Mask, fixture.Types);
        using var hidden = model.Encode(fixture.Ids(), fixture.Mask, fixture.Types);
        return (fixture.LogitError(logits), fixture.HiddenError(hidden));
    }

    [Fact]
    public void Old_LayerNorm_gamma_beta_names_load()
    {
        var fixture = ReferenceFixture.Load("bert-cls3");
        using var folder = CheckpointFolder.CopyOf("bert-cls3", tensors => tensors.Select(t =>
            (t.Key.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"), t.Value.alias())));
        Assert.Contains(CheckpointFolder.ReadAll(folder.WeightsFile), t => t.Key.EndsWith("LayerNorm.gamma", StringComparison.Ordinal));
        Assert.True(Errors(folder.Path, fixture, Cpu()).Logits < 1e-4);
    }

    [Theory]
    [InlineData(ScalarType.Float16, ScalarType.Float32, 3e-3)]
    [InlineData(ScalarType.BFloat16, ScalarType.Float32, 3e-2)]
    [InlineData(ScalarType.BFloat16, ScalarType.BFloat16, 8e-2)]
    public void Half_precision_checkpoints_load_and_stay_close_to_the_reference(ScalarType stored, ScalarType model, double tolerance)
    {
        var fixture = ReferenceFixture.Load("debertav3-cls3");
        using var folder = CheckpointFolder.CopyOf("debertav3-cls3", storeAs: stored);
        Assert.All(SafetensorsReader.Open(folder.WeightsFile).Tensors.Values, info => Assert.Equal(stored == ScalarType.Float16 ? "F16" : "BF16", info.DType));
        var options = Cpu();
        options.DType = model;
        var (logits, hidden) = Errors(folder.Path, fixture, options);
        Assert.True(logits < tolerance && hidden < 4 * tolerance, $"logits {logits}, hidden {hidden}");
        Assert.True(logits > 0 || hidden > 0, "rounding to half precision must change something");
    }

    [Fact]
    public void Sharded_checkpoint_with_index_loads()
    {
        var fixture = ReferenceFixture.Load("roberta-cls2");
        using var folder = CheckpointFolder.CopyOf("roberta-cls2");
        var tensors = CheckpointFolder.ReadAll(folder.WeightsFile);
        File.Delete(folder.WeightsFile);
        var half = tensors.Count / 2;
        var shards = new[] { ("model-00001-of-00002.safetensors", tensors[..half]), ("model-00002-of-00002.safetensors", tensors[half..]) };
        var weightMap = new Dictionary<string, string>();
        foreach (var (file, part) in shards)
        {
            SafetensorsWriter.Write(Path.Combine(folder.Path, file), part.Select(t => KeyValuePair.Create(t.Key, t.Value)));
            foreach (var (key, _) in part) weightMap[key] = file;
        }
        File.WriteAllText(Path.Combine(folder.Path, CheckpointWeights.IndexFileName), JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));
        Assert.True(Errors(folder.Path, fixture, Cpu()).Logits < 1e-4);

        weightMap[tensors[0].Key] = "model-00002-of-00002.safetensors";
        File.WriteAllText(Path.Combine(folder.Path, CheckpointWeights.IndexFileName), JsonSerializer.Serialize(new { weight_map = weightMap }));
        var error = Assert.Throws<CheckpointFormatException>(() => SequenceClassificationModel.FromPretrained(folder.Path, Cpu()).Dispose());
        Assert.Contains(CheckpointWeights.IndexFileName, error.Message);
        Assert.Contains(tensors[0].Key, error.Message);
    }

    [Fact]
    public void Base_model_checkpoint_gets_a_fresh_head_and_keeps_the_encoder()
    {
        var fixture = ReferenceFixture.Load("bert-cls3");
        using var folder = CheckpointFolder.CopyOf("bert-cls3", tensors => tensors
            .Where(t => !t.Key.StartsWith("classifier.", StringComparison.Ordinal))
            .Select(t => (t.Key["bert.".Length..], t.Value.alias()))
            .Append(("cls.predictions.bias", torch.zeros(120))));
        var log = new List<string>();
        torch.manual_seed(7);
        using var model = SequenceClassificationModel.FromPretrained(folder.Path, Cpu(log));
        Assert.Contains(log, line => line.Contains("'classifier.weight'") && line.Contains("freshly initialised"));
        using var noGrad = torch.no_grad();
        using var hidden = model.Encode(fixture.Ids(), fixture.Mask, fixture.Types);
        Assert.True(fixture.HiddenError(hidden) < 1e-4);
        var weight = model.Network.named_parameters().Single(p => p.name == "classifier.weight").parameter;
        var bias = model.Network.named_parameters().Single(p => p.name == "classifier.bias").parameter;
        Assert.Equal(0, bias.abs().max().item<float>());
        Assert.InRange(weight.std().item<float>(), 0.012, 0.028);
    }

    [Fact]
    public void Head_of_another_label_count_is_replaced_with_a_log_line()
    {
        var fixture = ReferenceFixture.Load("roberta-cls2");
        var log = new List<string>();
        using var model = SequenceClassificationModel.FromPretrained(fixture.Directory, Cpu(log, labels: 4));
        Assert.Contains(log, line => line.Contains("classifier.out_proj.weight") && line.Contains("[2, 48]") && line.Contains("[4, 48]") && line.Contains("replaced"));
        using var noGrad = torch.no_grad();
        using var logits = model.Forward(fixture.Ids(), fixture.Mask);
        Assert.Equal([3L, 4L], logits.shape);
        Assert.Equal(4, model.Config.NumLabels);
    }

    [Fact]
    public void Missing_encoder_key_names_the_key()
    {
        using var folder = CheckpointFolder.CopyOf("debertav3-cls3", tensors => tensors
            .Where(t => t.Key != "deberta.encoder.rel_embeddings.weight").Select(t => (t.Key, t.Value.alias())));
        var error = Assert.Throws<CheckpointFormatException>(() => SequenceClassificationModel.FromPretrained(folder.Path, Cpu()).Dispose());
        Assert.Contains("missing key 'deberta.encoder.rel_embeddings.weight'", error.Message);
        Assert.Contains("[32, 48]", error.Message);
        Assert.Contains(folder.WeightsFile, error.Message);
    }

    [Fact]
    public void Unexpected_key_names_the_key()
    {
        using var folder = CheckpointFolder.CopyOf("bert-cls3", tensors => tensors.Select(t => (t.Key, t.Value.alias()))
            .Append(("bert.encoder.layer.0.attention.self.distance_embedding.weight", torch.zeros(3, 48))));
        var error = Assert.Throws<CheckpointFormatException>(() => SequenceClassificationModel.FromPretrained(folder.Path, Cpu()).Dispose());
        Assert.Contains("unexpected key 'bert.encoder.layer.0.attention.self.distance_embedding.weight'", error.Message);
    }

    [Fact]
    public void Shape_disagreeing_with_config_names_the_key_and_both_shapes()
    {
        using var folder = CheckpointFolder.CopyOf("bert-cls3", tensors => tensors.Select(t =>
            (t.Key, t.Key == "bert.encoder.layer.1.intermediate.dense.weight" ? torch.zeros(97, 48) : t.Value.alias())));
        var error = Assert.Throws<CheckpointFormatException>(() => SequenceClassificationModel.FromPretrained(folder.Path, Cpu()).Dispose());
        Assert.Contains("'bert.encoder.layer.1.intermediate.dense.weight'", error.Message);
        Assert.Contains("checkpoint shape [97, 48], model shape [96, 48]", error.Message);
    }

    [Fact]
    public void Pickle_only_folder_is_refused_with_the_reason_and_the_conversion()
    {
        using var folder = CheckpointFolder.CopyOf("bert-cls3");
        File.Move(folder.WeightsFile, Path.Combine(folder.Path, "pytorch_model.bin"));
        var error = Assert.Throws<CheckpointFormatException>(() => SequenceClassificationModel.FromPretrained(folder.Path, Cpu()).Dispose());
        Assert.Contains("pytorch_model.bin", error.Message);
        Assert.Contains("arbitrary code", error.Message);
        Assert.Contains("safe_serialization=True", error.Message);
    }

    [Fact]
    public void Folder_without_weights_or_config_is_named()
    {
        using var folder = CheckpointFolder.CopyOf("bert-cls3");
        File.Delete(folder.WeightsFile);
        Assert.Contains(folder.Path, Assert.Throws<FileNotFoundException>(() => SequenceClassificationModel.FromPretrained(folder.Path, Cpu())).Message);
        Assert.Throws<DirectoryNotFoundException>(() => SequenceClassificationModel.FromPretrained(Path.Combine(folder.Path, "nope"), Cpu()));
    }

    [Fact]
    public void SavePretrained_round_trips_through_FromPretrained()
    {
        var fixture = ReferenceFixture.Load("debertav3-cls3");
        using var folder = CheckpointFolder.Empty();
        using (var model = SequenceClassificationModel.FromPretrained(fixture.Directory, Cpu()))
            model.SavePretrained(folder.Path);
        Assert.True(Errors(folder.Path, fixture, Cpu()).Logits < 1e-4);
    }
}
