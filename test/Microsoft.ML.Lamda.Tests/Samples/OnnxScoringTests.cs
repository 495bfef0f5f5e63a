using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Samples.OnnxScoring;
using Microsoft.ML.Lamda.Tests.MLNet;
using Microsoft.ML.Lamda.Tests.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Samples;

/// <summary>
/// The ML.NET route of samples/OnnxScoring (Microsoft.ML.Tokenizers + ApplyOnnxModel, no libtorch) gives the
/// transformer's predictions for a BERT (WordPiece) and a DeBERTa-v3 (SentencePiece, the embedded encoder) model.
/// </summary>
[Collection(SerialTrainingCollection.Name)]
public sealed class OnnxScoringTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-onnx-scoring-").FullName;
    private readonly MLContext _mlContext = new(seed: 1);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];
        public string PredictedText { get; set; } = "";
    }

    [Fact]
    public void The_sample_references_neither_libtorch_nor_this_library()
    {
        var references = typeof(OnnxTextScorer).Assembly.GetReferencedAssemblies().Select(name => name.Name!).ToArray();
        Assert.DoesNotContain(references, name => name.StartsWith("TorchSharp", StringComparison.Ordinal) || name == "Microsoft.ML.Lamda");
        Assert.Contains("Microsoft.ML.OnnxTransformer", references);
        Assert.Contains("Microsoft.ML.Tokenizers", references);
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("roberta")]
    [InlineData("deberta-v3")]
    public void Onnx_pipeline_predicts_what_the_transformer_predicts(string family)
    {
        // null: the embedded DeBERTa-v3 encoder.
        var checkpoint = family switch { "bert" => TinyTextTasks.WriteCheckpoint(), "roberta" => WriteRobertaCheckpoint(), _ => null };
        try
        {
            var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(family == "deberta-v3" ? 16 : 60, seed: 11));
            var options = LamdaTextClassificationTrainerTests.FastOptions(checkpoint!);
            options.MaxEpochs = family == "deberta-v3" ? 1 : 3;
            options.MaxSequenceLength = 24;
            var model = _mlContext.Transforms.Conversion.MapValueToKey("Label")
                .Append(_mlContext.MulticlassClassification.Trainers.Lamda(options))
                .Append(_mlContext.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel"))
                .Fit(training);
            using var lamda = model.OfType<LamdaTextClassificationTransformer>().Single();
            var path = Path.Combine(_directory, family, "model.onnx");
            lamda.ExportToOnnx(path);

            var rows = TinyTextTasks.TopicRows(24, seed: 12)
                .Append(new TopicRow { Sentence1 = string.Join(' ', Enumerable.Repeat("soup w9 drum", 20)), Label = "food" })
                .ToArray();
            var expected = _mlContext.Data.CreateEnumerable<Scored>(model.Transform(_mlContext.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToArray();
            using var scorer = new OnnxTextScorer(new MLContext(seed: 1), path);
            var actual = scorer.Predict(rows.Select(row => new TextInput { Text1 = row.Sentence1 }));

            Assert.Equal(expected.Select(e => e.PredictedText), actual.Select(a => a.Label!));
            var worst = expected.Zip(actual).Max(pair => pair.First.Score.Zip(pair.Second.Score).Max(v => Math.Abs(v.First - v.Second)));
            Assert.InRange(worst, 0, 1e-4);
        }
        finally
        {
            if (checkpoint is not null) Directory.Delete(checkpoint, recursive: true);
        }
    }

    /// <summary>A tiny random RoBERTa checkpoint with the byte-level BPE files of the tokenizer tests.</summary>
    private static string WriteRobertaCheckpoint()
    {
        var directory = new TokenizerFolder().WithByteLevelBpe().Path;
        var vocabulary = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(directory, "vocab.json")))!;
        var config = EncoderConfig.Parse($$"""
            {"model_type":"roberta","vocab_size":{{vocabulary.Values.Max() + 1}},"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":2,
             "intermediate_size":64,"max_position_embeddings":40,"type_vocab_size":1,"pad_token_id":1,"num_labels":2}
            """, "tiny RoBERTa");
        TorchSharp.torch.manual_seed(3);
        using var model = SequenceClassificationModel.Create(config, new SequenceClassificationModelOptions { Device = "cpu" });
        model.SavePretrained(directory);
        return directory;
    }
}
