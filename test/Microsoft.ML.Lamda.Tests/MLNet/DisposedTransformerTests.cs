using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Tests.MLNet;

[Collection(SerialTrainingCollection.Name)]
public sealed class DisposedTransformerTests
{
    private sealed class SimilarityPrediction
    {
        public float Score { get; set; }
    }

    [Fact]
    public void DisposedTransformerThrowsObjectDisposedException()
    {
        var mlContext = new MLContext(seed: 1);
        var checkpoint = TinyTextTasks.WriteCheckpoint();
        try
        {
            var data = mlContext.Data.LoadFromEnumerable(TinyTextTasks.PairRows(16, seed: 1));
            var model = FitSimilarity(mlContext, checkpoint, data);
            var scoredBeforeDispose = model.Transform(data);
            model.Dispose();
            model.Dispose();

            Assert.Throws<ObjectDisposedException>(() => model.Transform(data));
            Assert.Throws<ObjectDisposedException>(() => ((ITransformer)model).Transform(data));
            Assert.Throws<ObjectDisposedException>(() => mlContext.Model.CreatePredictionEngine<PairRow, SimilarityPrediction>(model));
            Assert.Throws<ObjectDisposedException>(() => mlContext.Model.Save(model, data.Schema, Path.Combine(checkpoint, "model.zip")));
            Assert.Throws<ObjectDisposedException>(() => scoredBeforeDispose.GetColumn<float>("Score").ToArray());
        }
        finally
        {
            Directory.Delete(checkpoint, recursive: true);
        }
    }

    /// <summary>
    /// ML.NET 5's PredictionEngine owns the transformer it was created from: disposing the engine disposes the model
    /// (and with it the native network). This pins that behaviour, which the README documents: a later use of the model
    /// is a clear ObjectDisposedException, never a native crash.
    /// </summary>
    [Fact]
    public void DisposingAPredictionEngineDisposesTheModelItWasCreatedFrom()
    {
        var mlContext = new MLContext(seed: 1);
        var checkpoint = TinyTextTasks.WriteCheckpoint();
        try
        {
            var data = mlContext.Data.LoadFromEnumerable(TinyTextTasks.PairRows(16, seed: 1));
            var model = FitSimilarity(mlContext, checkpoint, data);
            var row = TinyTextTasks.PairRows(1, seed: 2).Single();
            var engine = mlContext.Model.CreatePredictionEngine<PairRow, SimilarityPrediction>(model);
            Assert.True(float.IsFinite(engine.Predict(row).Score));

            engine.Dispose();

            var error = Assert.Throws<ObjectDisposedException>(() => model.Transform(data));
            Assert.Contains(nameof(LamdaSentenceSimilarityTransformer), error.Message);
            Assert.Throws<ObjectDisposedException>(() => mlContext.Model.CreatePredictionEngine<PairRow, SimilarityPrediction>(model));
        }
        finally
        {
            Directory.Delete(checkpoint, recursive: true);
        }
    }

    private static LamdaSentenceSimilarityTransformer FitSimilarity(MLContext mlContext, string checkpoint, IDataView data)
        => mlContext.Regression.Trainers.LamdaSentenceSimilarity(
            new LamdaSentenceSimilarityTrainer.Options { ModelPath = checkpoint, Rank = 4, MaxEpochs = 1, Device = TestDevice.Name }).Fit(data);
}
