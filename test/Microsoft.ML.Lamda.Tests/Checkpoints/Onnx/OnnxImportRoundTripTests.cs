using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Lamda;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tests.Export;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Checkpoints.Onnx;

/// <summary>
/// Models exported by our own ONNX exporter (named, transposed MatMul weights; LayerNormalization nodes; RoBERTa's
/// cumulative positions) import back to the same configuration and outputs, from a folder, an .onnx path, with
/// external data, with a config.json beside it, and as a Hugging Face folder.
/// </summary>
public sealed class OnnxImportRoundTripTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-onnx-import-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> Configs => new(nameof(ExportedOnnx.Bert), nameof(ExportedOnnx.RobertaQuickGelu), nameof(ExportedOnnx.BertRelu), nameof(ExportedOnnx.DebertaAbsolute));

    private static string ConfigOf(string name) => name switch
    {
        nameof(ExportedOnnx.Bert) => ExportedOnnx.Bert,
        nameof(ExportedOnnx.RobertaQuickGelu) => ExportedOnnx.RobertaQuickGelu,
        nameof(ExportedOnnx.DebertaAbsolute) => ExportedOnnx.DebertaAbsolute,
        _ => ExportedOnnx.BertRelu,
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Own_exports_import_to_the_same_configuration_and_outputs(string name)
    {
        using var original = ExportedOnnx.Create(ConfigOf(name));
        var path = ExportedOnnx.Export(original, Path.Combine(_directory, name));
        using var imported = SequenceClassificationModel.FromPretrained(path, new SequenceClassificationModelOptions { Device = "cpu" });
        var (a, b) = (original.Config, imported.Config);
        Assert.Equal((a.Family, a.VocabSize, a.HiddenSize, a.NumHiddenLayers, a.NumAttentionHeads, a.IntermediateSize, a.MaxPositionEmbeddings, a.TypeVocabSize, a.PadTokenId, a.HiddenAct, a.NumLabels),
            (b.Family, b.VocabSize, b.HiddenSize, b.NumHiddenLayers, b.NumAttentionHeads, b.IntermediateSize, b.MaxPositionEmbeddings, b.TypeVocabSize, b.PadTokenId, b.HiddenAct, b.NumLabels));
        Assert.InRange(b.LayerNormEps / a.LayerNormEps, 0.999, 1.001);
        var deviation = MaxDeviation(original, imported);
        output.WriteLine($"{name}: largest deviation of hidden states and logits {deviation:E2}");
        Assert.InRange(deviation, 0, Tolerance);
    }

    [Fact]
    public void A_folder_with_model_onnx_and_external_data_imports_the_same_weights()
    {
        using var original = ExportedOnnx.Create(ExportedOnnx.Bert);
        var folder = Path.Combine(_directory, "external");
        var path = ExportedOnnx.Export(original, folder);
        ExportedOnnx.MoveToExternalData(path, "weights.bin");
        Assert.True(new FileInfo(path).Length < 20_000);
        using var imported = SequenceClassificationModel.FromPretrained(folder, new SequenceClassificationModelOptions { Device = "cpu" });
        Assert.InRange(MaxDeviation(original, imported), 0, Tolerance);
        using var runner = new OnnxRunner(path);   // ONNX Runtime reads the same external data
        Assert.Contains("logits", runner.OutputNames);
    }

    [Fact]
    public void A_config_json_beside_the_file_overrides_the_inferred_settings()
    {
        using var original = ExportedOnnx.Create(ExportedOnnx.Bert);
        var folder = Path.Combine(_directory, "override");
        ExportedOnnx.Export(original, folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), """{"model_type":"bert","layer_norm_eps":1e-5,"hidden_dropout_prob":0.25,"num_labels":3}""");
        var log = new List<string>();
        using var imported = SequenceClassificationModel.FromPretrained(folder, new SequenceClassificationModelOptions { Device = "cpu", Log = log.Add });
        Assert.Equal((1e-5, 0.25, 4), (imported.Config.LayerNormEps, imported.Config.HiddenDropoutProb, imported.Config.NumAttentionHeads));
        Assert.Contains(log, line => line.Contains("overrides", StringComparison.Ordinal));
    }

    [Fact]
    public void The_hugging_face_folder_written_from_onnx_loads_to_the_same_outputs()
    {
        using var original = ExportedOnnx.Create(ExportedOnnx.RobertaQuickGelu);
        var path = ExportedOnnx.Export(original, Path.Combine(_directory, "source"));
        File.WriteAllText(Path.Combine(_directory, "source", "vocab.json"), "{}");
        var target = Path.Combine(_directory, "hf");
        var config = OnnxEncoderImporter.ConvertToHuggingFace(path, target);
        Assert.Equal("roberta", config.ModelType);
        Assert.True(File.Exists(Path.Combine(target, "config.json")) && File.Exists(Path.Combine(target, "model.safetensors")) && File.Exists(Path.Combine(target, "vocab.json")));
        using var loaded = SequenceClassificationModel.FromPretrained(target, new SequenceClassificationModelOptions { Device = "cpu" });
        Assert.InRange(MaxDeviation(original, loaded), 0, Tolerance);
        Assert.Throws<IOException>(() => OnnxEncoderImporter.ConvertToHuggingFace(path, target));
        OnnxEncoderImporter.ConvertToHuggingFace(path, target, overwrite: true);
    }

    [Fact]
    public void The_trainer_fine_tunes_from_an_onnx_file_path()
    {
        var json = ExportedOnnx.Bert.Replace("\"vocab_size\":40", $"\"vocab_size\":{Tests.MLNet.TinyTextTasks.Vocabulary.Count}", StringComparison.Ordinal);
        using var original = ExportedOnnx.Create(json);
        var path = ExportedOnnx.Export(original, Path.Combine(_directory, "train"));
        File.WriteAllLines(Path.Combine(_directory, "train", "vocab.txt"), Tests.MLNet.TinyTextTasks.Vocabulary);
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(Tests.MLNet.TinyTextTasks.TopicRows(24, 1));
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var options = Tests.MLNet.LamdaTextClassificationTrainerTests.FastOptions(path);
        options.MaxEpochs = 1;
        options.MaxSequenceLength = 32;
        using var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(keyed);
        Assert.Equal(3, model.Transform(keyed).GetColumn<float[]>("Score").First().Length);
    }

    /// <summary>Largest difference of the last hidden state and the logits on a padded batch.</summary>
    internal static double MaxDeviation(SequenceClassificationModel expected, SequenceClassificationModel actual)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var generator = new Random(5);
        int first = expected.Config.Family == EncoderFamily.Roberta ? 2 : 0;
        var ids = torch.tensor(Enumerable.Range(0, 3 * 12).Select(_ => (long)generator.Next(first, expected.Config.VocabSize)).ToArray(), [3, 12]);
        var mask = torch.ones(3, 12, ScalarType.Int64);
        mask[1, TensorIndex.Slice(7)] = 0;
        var types = torch.zeros(3, 12, ScalarType.Int64);
        if (expected.Config.TypeVocabSize > 1) types[2, TensorIndex.Slice(5)] = 1;
        var hidden = (expected.Encode(ids, mask, types) - actual.Encode(ids, mask, types)).abs().max().item<float>();
        var logits = (expected.Forward(ids, mask, types) - actual.Forward(ids, mask, types)).abs().max().item<float>();
        return Math.Max(hidden, logits);
    }
}
