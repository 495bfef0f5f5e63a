using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Tests.MLNet;

[Collection(SerialTrainingCollection.Name)]
public sealed class LamdaTextClassificationTrainerTests : IDisposable
{
    private readonly string _checkpoint = TinyTextTasks.WriteCheckpoint();

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);

    internal static LamdaTextClassificationTrainer.Options FastOptions(string checkpoint, AdapterMethod method = AdapterMethod.Lamda) => new()
    {
        ModelPath = checkpoint,
        Method = method,
        Rank = 16,
        MaxEpochs = 5,
        BatchSize = 8,
        // A random tiny encoder needs larger steps than a pretrained one; LaMDA trains only S once B is frozen. Its
        // relative steps are relative to a random weight (singular values about 0.2): 3e-2 and 5e-2 learn the
        // topics, 2e-2 and 7e-2 do not reach 0.9 on this data.
        LearningRate = method switch { AdapterMethod.FullFineTuning => 1e-3, AdapterMethod.Lora => 1e-2, _ => 4e-2 },
        Device = TestDevice.Name,
    };

    [Theory]
    [InlineData(AdapterMethod.Lamda)]
    [InlineData(AdapterMethod.LamdaPlusPlus)]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.FullFineTuning)]
    public void PipelineLearnsSyntheticTopicsAndEvaluates(AdapterMethod method)
    {
        var mlContext = new MLContext(seed: 1);
        var train = mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(300, seed: 2));
        var test = mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(100, seed: 3));
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.Lamda(FastOptions(_checkpoint, method)))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel"));

        var model = pipeline.Fit(train);
        var scored = model.Transform(test);
        var metrics = mlContext.MulticlassClassification.Evaluate(scored);

        Assert.True(metrics.MacroAccuracy > 0.9, $"{method}: macro accuracy {metrics.MacroAccuracy}");
        Assert.True(metrics.LogLoss < 0.5, $"{method}: log-loss {metrics.LogLoss}");
        var predictedText = scored.GetColumn<ReadOnlyMemory<char>>("PredictedText").Select(t => t.ToString()).ToArray();
        var truth = test.GetColumn<string>("Label").ToArray();
        Assert.Equal(metrics.MicroAccuracy, predictedText.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length, 1e-6);
        foreach (var score in scored.GetColumn<float[]>("Score"))
            Assert.Equal(1.0, score.Sum(), 1e-4);
        var lamda = model.OfType<LamdaTextClassificationTransformer>().Single();
        Assert.Equal(method, lamda.TrainingReport.Method);
        Assert.Equal(5, lamda.TrainingReport.Epochs.Count);
        lamda.Dispose();
    }

    [Fact]
    public void RowsWithMissingLabelsAreSkippedAndCounted()
    {
        var mlContext = new MLContext(seed: 1);
        var messages = new List<string>();
        mlContext.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var rows = TinyTextTasks.TopicRows(40, seed: 5);
        var mapping = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(mlContext.Data.LoadFromEnumerable(rows));
        // Labels the key mapping never saw become missing keys.
        var withUnseen = rows.Concat(TinyTextTasks.TopicRows(7, seed: 6).Select(r => new TopicRow { Sentence1 = r.Sentence1, Label = "unseen" }));
        var options = FastOptions(_checkpoint);
        options.MaxEpochs = 1;
        using var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(mapping.Transform(mlContext.Data.LoadFromEnumerable(withUnseen)));
        Assert.Equal(7, model.TrainingReport.SkippedRows);
        lock (messages) Assert.Contains(messages, m => m.Contains("Skipped 7 training row(s)"));
    }

    [Fact]
    public void BFloat16TrainsAndPredictsProbabilities()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(48, seed: 8));
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var options = FastOptions(_checkpoint);
        options.MaxEpochs = 1;
        options.Precision = LamdaPrecision.BFloat16;
        using var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(keyed);
        Assert.True(double.IsFinite(model.TrainingReport.Epochs[0].TrainingLoss));
        foreach (var score in model.Transform(keyed).GetColumn<float[]>("Score"))
        {
            Assert.All(score, p => Assert.InRange(p, 0f, 1f));
            Assert.Equal(1.0, score.Sum(), 1e-2);
        }
    }
}
