using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Tests.MLNet;

public sealed class LamdaTrainerInputErrorTests : IDisposable
{
    private readonly string _checkpoint = TinyTextTasks.WriteCheckpoint();
    private readonly MLContext _mlContext = new(seed: 1);

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);

    private sealed class NumericTextRow
    {
        public float Sentence1 { get; set; }
        public string Label { get; set; } = "";
    }

    private sealed class DoubleLabelPairRow
    {
        public string Sentence1 { get; set; } = "";
        public string Sentence2 { get; set; } = "";
        public double Label { get; set; }
    }

    private IDataView Keyed(IEnumerable<TopicRow> rows)
    {
        var data = _mlContext.Data.LoadFromEnumerable(rows);
        return _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
    }

    private LamdaTextClassificationTrainer Classifier(Action<LamdaTextClassificationTrainer.Options>? change = null)
    {
        var options = LamdaTextClassificationTrainerTests.FastOptions(_checkpoint);
        options.MaxEpochs = 1;
        change?.Invoke(options);
        return _mlContext.MulticlassClassification.Trainers.Lamda(options);
    }

    [Fact]
    public void MissingSentenceColumnIsNamedWithTheExistingColumns()
    {
        var error = Assert.Throws<ArgumentException>(() => Classifier(o => o.Sentence1ColumnName = "Text").Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains("'Text'", error.Message);
        Assert.Contains("Sentence1", error.Message);
        Assert.Contains("Label", error.Message);
    }

    [Fact]
    public void NonTextSentenceColumnIsRejected()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new NumericTextRow { Sentence1 = 1, Label = "a" }, new NumericTextRow { Sentence1 = 2, Label = "b" } });
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var error = Assert.Throws<ArgumentException>(() => Classifier().Fit(keyed));
        Assert.Contains("'Sentence1'", error.Message);
        Assert.Contains("expected text", error.Message);
    }

    [Fact]
    public void NonKeyLabelSuggestsMapValueToKey()
    {
        var error = Assert.Throws<ArgumentException>(() => Classifier().Fit(_mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("MapValueToKey", error.Message);
    }

    [Fact]
    public void SingleClassIsRejected()
    {
        var rows = TinyTextTasks.TopicRows(10, 1).Select(r => new TopicRow { Sentence1 = r.Sentence1, Label = "only" });
        var error = Assert.Throws<ArgumentException>(() => Classifier().Fit(Keyed(rows)));
        Assert.Contains("at least two classes", error.Message);
    }

    [Fact]
    public void SimilarityLabelMustBeSingle()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new DoubleLabelPairRow { Sentence1 = "a", Sentence2 = "b", Label = 1 } });
        var trainer = _mlContext.Regression.Trainers.LamdaSentenceSimilarity(modelPath: _checkpoint);
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(data));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("expected Single", error.Message);
    }

    [Fact]
    public void EmptyTrainingSetIsRejected()
    {
        var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(10, 1));
        var empty = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training).Transform(_mlContext.Data.LoadFromEnumerable(new List<TopicRow>()));
        var error = Assert.Throws<ArgumentException>(() => Classifier().Fit(empty));
        Assert.Contains("no rows", error.Message);
    }

    [Fact]
    public void RowsWithMissingLabelsOnlyAreReported()
    {
        var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(20, 1));
        var mapping = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training);
        // Labels never seen by the mapping become missing keys (0).
        var unseen = mapping.Transform(_mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(5, 2).Select(r => new TopicRow { Sentence1 = r.Sentence1, Label = "unseen" })));
        var error = Assert.Throws<ArgumentException>(() => Classifier().Fit(unseen));
        Assert.Contains("5 row(s) had a missing label", error.Message);
    }

    [Fact]
    public void ValidationSetWithOtherColumnTypesIsRejected()
    {
        var keyed = Keyed(TinyTextTasks.TopicRows(10, 1));
        var unkeyed = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(10, 2));
        var error = Assert.Throws<ArgumentException>(() => Classifier(o => o.ValidationSet = unkeyed).Fit(keyed));
        Assert.Contains("Validation set column 'Label'", error.Message);
    }

    [Fact]
    public void MissingCheckpointFolderIsNamed()
    {
        var missing = Path.Combine(_checkpoint, "does-not-exist");
        var error = Assert.Throws<DirectoryNotFoundException>(() => Classifier(o => o.ModelPath = missing).Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains(missing, error.Message);
        Assert.Contains("ModelPath", error.Message);
    }

    [Fact]
    public void RankLargerThanHiddenSizeIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Classifier(o => o.Rank = 64).Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains("Rank 64", error.Message);
        Assert.Contains("hidden size 32", error.Message);
    }

    [Theory]
    [InlineData(nameof(LamdaTrainerOptions.BatchSize))]
    [InlineData(nameof(LamdaTrainerOptions.MaxEpochs))]
    [InlineData(nameof(LamdaTrainerOptions.LearningRate))]
    [InlineData(nameof(LamdaTrainerOptions.Dropout))]
    [InlineData(nameof(LamdaTrainerOptions.WarmupFraction))]
    [InlineData(nameof(LamdaTrainerOptions.EarlyStoppingPatience))]
    [InlineData(nameof(LamdaTrainerOptions.MaxSequenceLength))]
    public void InvalidSettingIsNamed(string setting)
    {
        Action<LamdaTextClassificationTrainer.Options> change = setting switch
        {
            nameof(LamdaTrainerOptions.BatchSize) => o => o.BatchSize = 0,
            nameof(LamdaTrainerOptions.MaxEpochs) => o => o.MaxEpochs = -1,
            nameof(LamdaTrainerOptions.LearningRate) => o => o.LearningRate = -1e-3,
            nameof(LamdaTrainerOptions.Dropout) => o => o.Dropout = 1,
            nameof(LamdaTrainerOptions.WarmupFraction) => o => o.WarmupFraction = 1.5,
            nameof(LamdaTrainerOptions.EarlyStoppingPatience) => o => o.EarlyStoppingPatience = 2,
            _ => o => o.MaxSequenceLength = 2,
        };
        var error = Assert.ThrowsAny<ArgumentException>(() => Classifier(change).Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains(setting, error.Message);
    }
}
