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
        BatchSize = 16,
        // A random tiny encoder needs larger steps than a pretrained one; LaMDA trains only S once B is frozen.
        LearningRate = method switch { AdapterMethod.FullFineTuning => 5e-3, AdapterMethod.Lora => 1e-2, _ => 2e-2 },
        Device = "cpu",
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
        Assert.Equal(metrics.MicroAccuracy, predictedText.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length, 6);
        foreach (var score in scored.GetColumn<float[]>("Score"))
            Assert.Equal(1.0, score.Sum(), 4);
        var lamda = model.OfType<LamdaTextClassificationTransformer>().Single();
        Assert.Equal(method, lamda.TrainingReport.Method);
        Assert.Equal(5, lamda.TrainingReport.Epochs.Count);
        lamda.Dispose();
    }
}
