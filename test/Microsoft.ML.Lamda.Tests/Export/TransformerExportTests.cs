using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tests.MLNet;
using Microsoft.ML.Lamda.Tokenization;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Export;

/// <summary>
/// A fitted classifier and a fitted similarity model exported to ONNX (scored by ONNX Runtime on the exported
/// tokenizer's ids) and to a Hugging Face folder (loaded back with <c>FromPretrained</c>) reproduce the transformer's scores.
/// </summary>
[Collection(SerialTrainingCollection.Name)]
public sealed class TransformerExportTests : IDisposable
{
    private readonly string _checkpoint = TinyTextTasks.WriteCheckpoint();
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-export-").FullName;
    private readonly MLContext _mlContext = new(seed: 1);

    public void Dispose()
    {
        Directory.Delete(_checkpoint, recursive: true);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Classifier_exported_to_onnx_gives_the_transformers_scores()
    {
        var (model, rows) = TrainClassifier();
        using var _ = model;
        var path = Path.Combine(_directory, "onnx", "model.onnx");
        model.ExportToOnnx(path);

        var folder = Path.GetDirectoryName(path)!;
        var manifest = JsonNode.Parse(File.ReadAllText(path + ".json"))!;
        Assert.Equal(TinyTextTasks.Topics.Order(), manifest["labels"]!.AsArray().Select(n => (string)n!).Order());
        Assert.Equal(16, (int)manifest["tokenizer"]!["max_length"]!);
        Assert.Equal("bert", (string)manifest["model_type"]!);
        Assert.True(File.Exists(Path.Combine(folder, "vocab.txt")));

        var expected = _mlContext.Data.CreateEnumerable<ScoredTopic>(model.Transform(_mlContext.Data.LoadFromEnumerable(rows)), reuseRowObject: false)
            .Select(row => row.Score).ToArray();
        var tokenizer = PretrainedTokenizer.FromDirectory(folder);
        using var runner = new OnnxRunner(path);
        Assert.Equal(["attention_mask", "input_ids", "token_type_ids"], runner.InputNames.Order().ToArray());
        var actual = Score(runner, tokenizer, rows.Select(row => (row.Sentence1, (string?)null)).ToArray(), 16, "probabilities");
        Assert.InRange(MaxDifference(actual, expected), 0, 1e-4);
    }

    [Fact]
    public void Similarity_model_exported_to_onnx_gives_the_transformers_scores_on_pairs()
    {
        var rows = TinyTextTasks.PairRows(24, seed: 5);
        using var model = _mlContext.Regression.Trainers.LamdaSentenceSimilarity(new LamdaSentenceSimilarityTrainer.Options
        {
            ModelPath = _checkpoint, Rank = 4, MaxEpochs = 1, BatchSize = 8, LearningRate = 1e-2, Device = TestDevice.Name, MaxSequenceLength = 12,
        }).Fit(_mlContext.Data.LoadFromEnumerable(rows));
        var path = Path.Combine(_directory, "similarity.onnx");
        model.ExportToOnnx(path);

        var expected = model.Transform(_mlContext.Data.LoadFromEnumerable(rows)).GetColumn<float>("Score").Select(score => new[] { score }).ToArray();
        using var runner = new OnnxRunner(path);
        Assert.Equal(["logits"], runner.OutputNames.ToArray());
        var actual = Score(runner, PretrainedTokenizer.FromDirectory(_directory), rows.Select(row => (row.Sentence1, (string?)row.Sentence2)).ToArray(), 12, "logits");
        Assert.InRange(MaxDifference(actual, expected), 0, 1e-4);
    }

    [Fact]
    public void Classifier_exported_to_a_hugging_face_folder_loads_back_with_the_same_outputs()
    {
        var (model, rows) = TrainClassifier();
        using var _ = model;
        var folder = Path.Combine(_directory, "hf");
        model.ExportToHuggingFace(folder);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        var labels = Enumerable.Range(0, 3).Select(i => (string)config["id2label"]![i.ToString()]!).ToArray();
        Assert.Equal(TinyTextTasks.Topics.Order(), labels.Order());
        Assert.All(labels.Select((label, i) => (label, i)), pair => Assert.Equal(pair.i, (int)config["label2id"]![pair.label]!));
        Assert.Equal("BertForSequenceClassification", (string)config["architectures"]![0]!);
        Assert.Equal(3, (int)config["num_labels"]!);
        Assert.Equal("single_label_classification", (string)config["problem_type"]!);

        var expected = _mlContext.Data.CreateEnumerable<ScoredTopic>(model.Transform(_mlContext.Data.LoadFromEnumerable(rows)), reuseRowObject: false)
            .Select(row => row.Score).ToArray();
        using var loaded = SequenceClassificationModel.FromPretrained(folder, new SequenceClassificationModelOptions { Device = "cpu" });
        Assert.Equal(labels, loaded.Config.Labels);
        var tokenizer = PretrainedTokenizer.FromDirectory(folder);
        var encoded = rows.Select(row => tokenizer.Encode(row.Sentence1, null, 16)).ToArray();
        using var noGrad = torch.no_grad();
        using var batch = tokenizer.Collate(encoded, torch.CPU);
        using var logits = loaded.Forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        using var probabilities = logits.softmax(1);
        var values = probabilities.data<float>().ToArray();
        var actual = Enumerable.Range(0, rows.Length).Select(r => values.AsSpan(r * 3, 3).ToArray()).ToArray();
        Assert.InRange(MaxDifference(actual, expected), 0, 1e-5);
    }

    [Fact]
    public void Existing_targets_are_refused_unless_overwriting_and_a_disposed_transformer_throws()
    {
        var (model, _) = TrainClassifier();
        var path = Path.Combine(_directory, "model.onnx");
        File.WriteAllText(path, "not empty");
        var error = Assert.Throws<IOException>(() => model.ExportToOnnx(path));
        Assert.Contains(path, error.Message);
        Assert.Equal("not empty", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".json"));
        model.ExportToOnnx(path, new ModelExportOptions { Overwrite = true });
        Assert.True(new FileInfo(path).Length > 1000);

        var folder = Path.Combine(_directory, "hf");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");
        Assert.Contains("not empty", Assert.Throws<IOException>(() => model.ExportToHuggingFace(folder)).Message);
        Assert.True(File.Exists(Path.Combine(folder, "notes.txt")));
        model.ExportToHuggingFace(folder, new ModelExportOptions { Overwrite = true });
        Assert.False(File.Exists(Path.Combine(folder, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors")));

        var blocked = Path.Combine(_directory, "model.onnx", "under-a-file", "x.onnx");
        Assert.Contains("cannot be written", Assert.Throws<IOException>(() => model.ExportToOnnx(blocked)).Message);

        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.ExportToOnnx(Path.Combine(_directory, "after.onnx")));
        Assert.Throws<ObjectDisposedException>(() => model.ExportToHuggingFace(Path.Combine(_directory, "after")));
        Assert.False(File.Exists(Path.Combine(_directory, "after.onnx")));
    }

    private sealed class ScoredTopic
    {
        public float[] Score { get; set; } = [];
    }

    private (LamdaTextClassificationTransformer Model, TopicRow[] Rows) TrainClassifier()
    {
        var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(40, seed: 11));
        var mapping = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training);
        var options = LamdaTextClassificationTrainerTests.FastOptions(_checkpoint);
        options.MaxEpochs = 1;
        options.MaxSequenceLength = 16;
        var model = _mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(mapping.Transform(training));
        var rows = TinyTextTasks.TopicRows(20, seed: 12)
            .Append(new TopicRow { Sentence1 = string.Join(' ', Enumerable.Repeat("goal w3", 30)) })
            .Append(new TopicRow { Sentence1 = "" })
            .ToArray();
        return (model, rows);
    }

    /// <summary>Encodes with the exported tokenizer, pads as the manifest says, and runs ONNX Runtime in one batch.</summary>
    private static float[][] Score(OnnxRunner runner, PretrainedTokenizer tokenizer, (string First, string? Second)[] rows, int maxLength, string output)
    {
        var encoded = rows.Select(row => tokenizer.Encode(row.First, row.Second, maxLength)).ToArray();
        var width = encoded.Max(e => e.Ids.Length);
        var (ids, mask, types) = (new long[rows.Length, width], new long[rows.Length, width], new long[rows.Length, width]);
        for (int r = 0; r < rows.Length; r++)
        {
            for (int j = 0; j < width; j++)
            {
                var inside = j < encoded[r].Ids.Length;
                ids[r, j] = inside ? encoded[r].Ids[j] : tokenizer.PadTokenId;
                mask[r, j] = inside ? 1 : 0;
                types[r, j] = inside ? encoded[r].TypeIds[j] : 0;
            }
        }
        var matrix = runner.Run(ids, mask, types)[output];
        return Enumerable.Range(0, rows.Length).Select(r => Enumerable.Range(0, matrix.GetLength(1)).Select(c => matrix[r, c]).ToArray()).ToArray();
    }

    private static double MaxDifference(float[][] actual, float[][] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        return expected.Zip(actual).Max(pair =>
        {
            Assert.Equal(pair.First.Length, pair.Second.Length);
            return pair.First.Zip(pair.Second).Max(values => Math.Abs(values.First - values.Second));
        });
    }
}
