using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Training;

namespace Microsoft.ML.Lamda.Tests.MLNet;

[Collection(SerialTrainingCollection.Name)]
public sealed class LamdaSentenceSimilarityTrainerTests : IDisposable
{
    private readonly string _checkpoint = TinyTextTasks.WriteCheckpoint();

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);

    [Fact]
    public void LearnsSyntheticGradedSimilarityAndEvaluates()
    {
        var mlContext = new MLContext(seed: 1);
        var train = mlContext.Data.LoadFromEnumerable(TinyTextTasks.PairRows(300, seed: 2));
        var test = mlContext.Data.LoadFromEnumerable(TinyTextTasks.PairRows(100, seed: 3));
        var validation = mlContext.Data.LoadFromEnumerable(TinyTextTasks.PairRows(60, seed: 4));
        var options = new LamdaSentenceSimilarityTrainer.Options
        {
            ModelPath = _checkpoint,
            Rank = 16,
            MaxEpochs = 5,
            BatchSize = 8,
            LearningRate = 1e-2,
            Device = TestDevice.Name,
            ValidationSet = validation,
        };

        using var model = mlContext.Regression.Trainers.LamdaSentenceSimilarity(options).Fit(train);
        var scored = model.Transform(test);
        var metrics = mlContext.Regression.Evaluate(scored);
        var scores = scored.GetColumn<float>("Score").Select(s => (double)s).ToArray();
        var labels = test.GetColumn<float>("Label").Select(l => (double)l).ToArray();

        double pearson = EvaluationMetrics.Pearson(scores, labels);
        Assert.True(pearson > 0.8, $"Pearson {pearson}");
        Assert.Equal(scores.Zip(labels).Average(p => (p.First - p.Second) * (p.First - p.Second)), metrics.MeanSquaredError, 1e-4);
        Assert.All(model.TrainingReport.Epochs, e => Assert.True(e.ValidationMetrics.ContainsKey("Pearson") && e.ValidationMetrics.ContainsKey("Spearman")));
    }
}
