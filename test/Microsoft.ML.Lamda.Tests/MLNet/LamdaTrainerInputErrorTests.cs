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
    [InlineData(nameof(LamdaTrainerOptions.PmbLearningRateMultiplier))]
    [InlineData(nameof(LamdaTrainerOptions.HeadLearningRateMultiplier))]
    [InlineData(nameof(LamdaTrainerOptions.FreezeStartFraction))]
    [InlineData(nameof(LamdaTrainerOptions.FreezeSteps))]
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
            nameof(LamdaTrainerOptions.PmbLearningRateMultiplier) => o => o.PmbLearningRateMultiplier = 0,
            nameof(LamdaTrainerOptions.HeadLearningRateMultiplier) => o => o.HeadLearningRateMultiplier = double.NaN,
            nameof(LamdaTrainerOptions.FreezeStartFraction) => o => o.FreezeStartFraction = 0.5,
            nameof(LamdaTrainerOptions.FreezeSteps) => o => o.FreezeSteps = 0,
            _ => o => o.MaxSequenceLength = 2,
        };
        var error = Assert.ThrowsAny<ArgumentException>(() => Classifier(change).Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void EmptyTrainingSetKeyedOnItselfSaysThereAreNoRows()
    {
        // MapValueToKey fitted on the empty data itself gives a key of one value: the message must still say "no rows".
        var empty = _mlContext.Data.LoadFromEnumerable(new List<TopicRow>());
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(empty).Transform(empty);
        var error = Assert.Throws<ArgumentException>(() => Classifier().Fit(keyed));
        Assert.Contains("training data has no rows", error.Message);
        var pairs = _mlContext.Data.LoadFromEnumerable(new List<PairRow>());
        var similarity = _mlContext.Regression.Trainers.LamdaSentenceSimilarity(modelPath: _checkpoint);
        Assert.Contains("training data has no rows", Assert.Throws<ArgumentException>(() => similarity.Fit(pairs)).Message);
    }

    [Fact]
    public void EmptyValidationSetIsRejected()
    {
        var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(10, 1));
        var mapping = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training);
        var empty = mapping.Transform(_mlContext.Data.LoadFromEnumerable(new List<TopicRow>()));
        var error = Assert.Throws<ArgumentException>(() => Classifier(o => o.ValidationSet = empty).Fit(mapping.Transform(training)));
        Assert.Contains("validation set has no rows", error.Message);
    }

    [Fact]
    public void SimilarityKeyLabelIsRejected()
    {
        var data = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.PairRows(10, 1));
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var error = Assert.Throws<ArgumentException>(() => _mlContext.Regression.Trainers.LamdaSentenceSimilarity(modelPath: _checkpoint).Fit(keyed));
        Assert.Contains("'Label'", error.Message);
        Assert.Contains("expected Single", error.Message);
    }

    [Fact]
    public void ValidationKeyValuesTheTrainingDataLacksAreNamed()
    {
        var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(20, 1).Where(r => r.Label != "food"));
        var validation = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(20, 2));
        var keyedTraining = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training).Transform(training);
        var ownKeys = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(validation).Transform(validation);
        var error = Assert.Throws<ArgumentException>(() => Classifier(o => o.ValidationSet = ownKeys).Fit(keyedTraining));
        Assert.Contains("'food'", error.Message);
        Assert.Contains("training data's key lacks", error.Message);
    }

    [Fact]
    public void ValidationKeysInAnotherOrderAreRejected()
    {
        var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(20, 1));
        var validation = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(20, 2));
        var keyedTraining = _mlContext.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence).Fit(training).Transform(training);
        var sortedKeys = _mlContext.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(validation).Transform(validation);
        var error = Assert.Throws<ArgumentException>(() => Classifier(o => o.ValidationSet = sortedKeys).Fit(keyedTraining));
        Assert.Contains("other keys", error.Message);
    }

    [Fact]
    public void ValidationRowsWithLabelsUnseenInTrainingAreRejected()
    {
        var training = _mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(20, 1).Where(r => r.Label != "food"));
        var mapping = _mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training);
        // The training mapping turns the unseen "food" into a missing key.
        var validation = mapping.Transform(_mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(30, 2)));
        int food = TinyTextTasks.TopicRows(30, 2).Count(r => r.Label == "food");
        var error = Assert.Throws<ArgumentException>(() => Classifier(o => o.ValidationSet = validation).Fit(mapping.Transform(training)));
        Assert.Contains($"{food} row(s) of the validation set have no label", error.Message);
    }

    [Fact]
    public void SequenceLengthBeyondThePositionEmbeddingsIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Classifier(o => o.MaxSequenceLength = 512).Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains("MaxSequenceLength 512", error.Message);
        Assert.Contains("max_position_embeddings 128", error.Message);
    }

    [Fact]
    public void BatchLargerThanTheDataTrainsAsOneBatch()
    {
        var progress = new List<LamdaTrainingProgress>();
        using var model = Classifier(o => { o.BatchSize = 1_000_000; o.Progress = new SynchronousProgress<LamdaTrainingProgress>(progress.Add); })
            .Fit(Keyed(TinyTextTasks.TopicRows(10, 1)));
        Assert.Equal(1, progress.Single(p => p.IsEpochEnd).TotalSteps);
    }

    [Fact]
    public void TokenizerLargerThanTheVocabularyIsRefused()
    {
        File.AppendAllLines(Path.Combine(_checkpoint, "vocab.txt"), Enumerable.Range(0, 5).Select(i => $"extra{i}"));
        var error = Assert.Throws<Microsoft.ML.Lamda.Checkpoints.CheckpointFormatException>(() => Classifier().Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains("vocab.txt", error.Message);
        Assert.Contains($"'vocab_size' of '{Path.Combine(_checkpoint, "config.json")}' is {TinyTextTasks.Vocabulary.Count}", error.Message);
    }

    [Fact]
    public void HostileTextsTrainAndPredict()
    {
        // 1 MB texts, NUL characters and unpaired surrogates in training rows and in predictions.
        var rows = TinyTextTasks.TopicRows(20, 1);
        rows.AddRange(new[] { new string('x', 1 << 20) + " goal", "goal\0 match\0", "song \uD800 guitar", "\uDC00bread\uD83D", string.Concat(Enumerable.Repeat("soup ", 200_000)) }
            .Select((text, i) => new TopicRow { Sentence1 = text, Label = TinyTextTasks.Topics[i % 3] }));
        using var model = Classifier().Fit(Keyed(rows));
        var engine = _mlContext.Model.CreatePredictionEngine<TopicRow, ScoreRow>(model, ignoreMissingColumns: true);
        foreach (var row in rows.TakeLast(5))
            Assert.All(engine.Predict(row).Score, s => Assert.True(float.IsFinite(s)));
    }

    [Fact]
    public void CheckpointDirectoryThatCannotBeWrittenFailsBeforeTraining()
    {
        var fileInTheWay = Path.Combine(_checkpoint, "config.json");
        var epochs = new List<int>();
        var error = Assert.Throws<IOException>(() => Classifier(o =>
        {
            o.CheckpointDirectory = fileInTheWay;
            o.Progress = new SynchronousProgress<LamdaTrainingProgress>(p => epochs.Add(p.Epoch));
        }).Fit(Keyed(TinyTextTasks.TopicRows(10, 1))));
        Assert.Contains($"CheckpointDirectory '{fileInTheWay}' cannot be created", error.Message);
        Assert.Empty(epochs);
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }

    [Fact]
    public void EveryMethodSettingReachesTheAdapterConfig()
    {
        var options = new LamdaTextClassificationTrainer.Options
        {
            Initialization = Microsoft.ML.Lamda.Adapters.LamdaInitialization.Zero,
            FreezePmb = false,
            FreezeFraction = 0.6,
            FreezeSteps = 40,
            FreezeStartFraction = 0.2,
            FreezeCurve = Microsoft.ML.Lamda.Adapters.PmbFreezeCurve.Linear,
            FreezeOrder = Microsoft.ML.Lamda.Adapters.PmbFreezeOrder.SmallestFirst,
        };
        var config = options.ToAdapterConfig(["classifier"]);
        Assert.Equal((Microsoft.ML.Lamda.Adapters.LamdaInitialization.Zero, false, 0.6, 40, 0.2, Microsoft.ML.Lamda.Adapters.PmbFreezeCurve.Linear, Microsoft.ML.Lamda.Adapters.PmbFreezeOrder.SmallestFirst),
            (config.Initialization, config.FreezePmb, config.FreezeFraction, config.FreezeSteps, config.FreezeStartFraction, config.FreezeCurve, config.FreezeOrder));
        Assert.InRange(new LamdaTextClassificationTrainer.Options { WarmupFraction = 0.1 }.ToAdapterConfig(null).FreezeStartFraction, 0.1 - 1e-12, 0.1 + 1e-12);

        var settings = new LamdaTextClassificationTrainer.Options { LearningRate = 1e-2, PmbLearningRateMultiplier = 0.2, HeadLearningRateMultiplier = 0.3, DecayTowardsInitialValues = false }.ToTrainingSettings(hiddenSize: 768);
        Assert.Equal((1e-2, 0.2, 0.3, false), (settings.LearningRate, settings.PmbLearningRateMultiplier, settings.HeadLearningRateMultiplier, settings.DecayTowardsInitialValues));
    }

    [Theory]
    [InlineData(AdapterMethod.Lora, true)]
    [InlineData(AdapterMethod.FullFineTuning, true)]
    [InlineData(AdapterMethod.Lamda, false)]
    public void DefaultPlainRatesShrinkWithTheHiddenSize(AdapterMethod method, bool relativeLamdaSteps)
    {
        var options = new LamdaTextClassificationTrainer.Options { Method = method, RelativeLamdaSteps = relativeLamdaSteps };
        double small = options.ToTrainingSettings(hiddenSize: 256).LearningRate, wide = options.ToTrainingSettings(hiddenSize: 768).LearningRate;
        Assert.InRange(wide * 3, small * (1 - 1e-12), small * (1 + 1e-12));
    }

    [Theory]
    [InlineData(AdapterMethod.Lamda)]
    [InlineData(AdapterMethod.LamdaPlusPlus)]
    public void RelativeLamdaDefaultRateIsTheSameForEveryWidthAndItsHeadTrainsAtLorasRate(AdapterMethod method)
    {
        Assert.True(new LamdaTextClassificationTrainer.Options().RelativeLamdaSteps);
        foreach (int hiddenSize in new[] { 256, 384, 768 })
        {
            var lora = new LamdaTextClassificationTrainer.Options { Method = AdapterMethod.Lora }.ToTrainingSettings(hiddenSize);
            foreach (double? rate in new double?[] { null, 2.5e-3, 2e-2 })
            {
                var settings = new LamdaTextClassificationTrainer.Options { Method = method, LearningRate = rate }.ToTrainingSettings(hiddenSize);
                Assert.True(settings.RelativeLamdaSteps);
                double expected = rate ?? 5e-3;
                Assert.InRange(settings.LearningRate, expected * (1 - 1e-12), expected * (1 + 1e-12));
                Assert.InRange(settings.PmbLearningRateMultiplier, 1 - 1e-12, 1 + 1e-12);
                // The head keeps LoRA's default rate whatever LaMDA's rate is.
                double head = settings.LearningRate * settings.HeadLearningRateMultiplier;
                Assert.InRange(head, lora.LearningRate * (1 - 1e-12), lora.LearningRate * (1 + 1e-12));
            }
        }
        var plain = new LamdaTextClassificationTrainer.Options { Method = method, RelativeLamdaSteps = false }.ToTrainingSettings(256);
        Assert.InRange(plain.PmbLearningRateMultiplier, 0.05 - 1e-12, 0.05 + 1e-12);
        Assert.InRange(plain.LearningRate, 2e-2 * (1 - 1e-12), 2e-2 * (1 + 1e-12));
    }

    [Theory]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.FullFineTuning)]
    public void OtherMethodsTrainTheirHeadAtTheirOwnRate(AdapterMethod method)
    {
        var settings = new LamdaTextClassificationTrainer.Options { Method = method, LearningRate = 1e-4 }.ToTrainingSettings(384);
        Assert.InRange(settings.HeadLearningRateMultiplier, 1 - 1e-12, 1 + 1e-12);
    }

    [Fact]
    public void ADivergingRunThrowsInsteadOfReturningAModel()
    {
        var error = Assert.Throws<TrainingDivergedException>(() => Classifier(o =>
        {
            o.LearningRate = 1e30;
            o.MaxEpochs = 3;
        }).Fit(Keyed(TinyTextTasks.TopicRows(24, 1))));
        Assert.Contains("Training diverged at optimizer step", error.Message);
        Assert.Contains("Lower the LearningRate", error.Message);
    }
}
