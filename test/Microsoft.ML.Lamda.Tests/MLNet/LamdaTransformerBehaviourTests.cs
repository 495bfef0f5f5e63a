using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Tests.MLNet;

[Collection(SerialTrainingCollection.Name)]
public sealed class LamdaTransformerBehaviourTests(TrainedClassifierFixture fixture) : IClassFixture<TrainedClassifierFixture>
{
    private sealed class TextRow
    {
        public string Sentence1 { get; set; } = "";
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    private static TopicRow[] MixedRows() =>
        TinyTextTasks.TopicRows(45, seed: 21)
            .Append(new TopicRow { Sentence1 = "", Label = "music" })
            .Append(new TopicRow { Sentence1 = null!, Label = "food" })
            .Append(new TopicRow { Sentence1 = string.Join(' ', Enumerable.Repeat("w1 goal", 200)), Label = "sports" })
            .ToArray();

    [Fact]
    public void PredictionEngineMatchesBatchedTransformIncludingEmptyAndLongTexts()
    {
        var rows = MixedRows();
        var scored = fixture.Model.Transform(fixture.Mapping.Transform(fixture.MLContext.Data.LoadFromEnumerable(rows)));
        long passesBefore = fixture.Model.Scorer.ForwardPasses;
        var batched = scored.GetColumn<float[]>("Score").ToArray();
        // Rows are scored a batch (the training batch size) per forward pass, not one at a time.
        int batchSize = fixture.Model.Scorer.BatchSize;
        Assert.Equal((rows.Length + batchSize - 1) / batchSize, fixture.Model.Scorer.ForwardPasses - passesBefore);
        var labels = scored.GetColumn<uint>("PredictedLabel").ToArray();

        var engine = fixture.MLContext.Model.CreatePredictionEngine<TextRow, Prediction>(fixture.Model);
        for (int i = 0; i < rows.Length; i++)
        {
            var prediction = engine.Predict(new TextRow { Sentence1 = rows[i].Sentence1 });
            Assert.Equal(labels[i], prediction.PredictedLabel);
            for (int c = 0; c < batched[i].Length; c++)
                Assert.Equal(batched[i][c], prediction.Score[c], 1e-5f); // a tolerance: rounding both to 5 places fails when they straddle a boundary
        }
    }

    [Fact]
    public void SeveralPredictionEnginesPredictConcurrently()
    {
        var rows = MixedRows();
        var engine = fixture.MLContext.Model.CreatePredictionEngine<TextRow, Prediction>(fixture.Model);
        var expected = rows.Select(r => engine.Predict(new TextRow { Sentence1 = r.Sentence1 }).Score.ToArray()).ToArray();

        var results = new float[4][][];
        Parallel.For(0, 4, worker =>
        {
            var own = fixture.MLContext.Model.CreatePredictionEngine<TextRow, Prediction>(fixture.Model);
            results[worker] = rows.Select(r => own.Predict(new TextRow { Sentence1 = r.Sentence1 }).Score.ToArray()).ToArray();
        });
        // A tolerance, not bit equality: libtorch may split a reduction differently when several threads call it at once.
        foreach (var result in results)
            for (int i = 0; i < rows.Length; i++)
                for (int c = 0; c < expected[i].Length; c++)
                    Assert.Equal(expected[i][c], result[i][c], 1e-6f);
    }

    [Fact]
    public void SeveralCursorsOfOneTransformGiveTheSingleCursorResults()
    {
        var rows = MixedRows();
        var scored = fixture.Model.Transform(fixture.Mapping.Transform(fixture.MLContext.Data.LoadFromEnumerable(rows)));
        var expected = scored.GetColumn<float[]>("Score").ToArray();

        // Three cursors open at once on one thread, advanced in turns (each reads its rows ahead in batches).
        var score = scored.Schema["Score"];
        var cursors = Enumerable.Range(0, 3).Select(_ => scored.GetRowCursor([score])).ToArray();
        var getters = cursors.Select(c => c.GetGetter<VBuffer<float>>(score)).ToArray();
        var interleaved = Enumerable.Range(0, 3).Select(_ => new List<float[]>()).ToArray();
        var value = default(VBuffer<float>);
        for (int row = 0; row < rows.Length; row++)
        {
            foreach (int k in row % 2 == 0 ? new[] { 0, 1, 2 } : [2, 0, 1])
            {
                Assert.True(cursors[k].MoveNext());
                getters[k](ref value);
                interleaved[k].Add(value.DenseValues().ToArray());
            }
        }
        Assert.All(cursors, c => Assert.False(c.MoveNext()));
        foreach (var cursor in cursors) cursor.Dispose();

        // Four threads, each with its own cursor over the same transformed data, at the same time.
        var parallel = new float[4][][];
        Parallel.For(0, 4, worker => parallel[worker] = scored.GetColumn<float[]>("Score").ToArray());

        // Each transformer call from its own thread.
        var separate = new float[4][][];
        Parallel.For(0, 4, worker => separate[worker] = fixture.Model.Transform(fixture.Mapping.Transform(fixture.MLContext.Data.LoadFromEnumerable(rows))).GetColumn<float[]>("Score").ToArray());

        // The same rows go through the same batches, so the results are identical, not merely close.
        foreach (var result in interleaved.Select(l => l.ToArray()).Concat(parallel).Concat(separate))
            for (int i = 0; i < rows.Length; i++)
                Assert.Equal(expected[i], result[i]);
    }

    [Fact]
    public void OutputSchemaCarriesTheLabelKeyValuesAndScoreAnnotations()
    {
        var schema = fixture.Model.GetOutputSchema(fixture.Keyed.Schema);
        var predicted = schema["PredictedLabel"];
        Assert.Equal(new KeyDataViewType(typeof(uint), 3), predicted.Type);
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        predicted.GetKeyValues(ref keyValues);
        VBuffer<ReadOnlyMemory<char>> labelValues = default;
        fixture.Keyed.Schema["Label"].GetKeyValues(ref labelValues);
        Assert.Equal(labelValues.DenseValues().Select(v => v.ToString()), keyValues.DenseValues().Select(v => v.ToString()));

        var score = schema["Score"];
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        score.GetSlotNames(ref slotNames);
        Assert.Equal(labelValues.DenseValues().Select(v => v.ToString()), slotNames.DenseValues().Select(v => v.ToString()));
        ReadOnlyMemory<char> kind = default;
        score.Annotations.GetValue("ScoreColumnKind", ref kind);
        Assert.Equal("MulticlassClassification", kind.ToString());
    }

    [Fact]
    public void MissingSentenceColumnAtTransformIsNamed()
    {
        var other = fixture.MLContext.Data.LoadFromEnumerable(new[] { new { Text = "a" } });
        var error = Assert.Throws<ArgumentException>(() => fixture.Model.Transform(other));
        Assert.Contains("'Sentence1'", error.Message);
        Assert.Contains("Text", error.Message);
    }

    [Fact]
    public void ReportDescribesTheRun()
    {
        var report = fixture.Model.TrainingReport;
        Assert.Equal(AdapterMethod.Lamda, report.Method);
        Assert.InRange(report.TrainableParameters, 1, report.TotalParameters - 1);
        Assert.NotEmpty(report.LayerRanks);
        Assert.All(report.LayerRanks.Values, rank => Assert.Equal(16, rank));
        Assert.Equal(3, report.Epochs.Count);
        Assert.All(report.Epochs, e => Assert.True(e.ValidationMetrics.ContainsKey("Accuracy") && e.ValidationMetrics.ContainsKey("MacroF1")));
        double best = report.Epochs.Max(e => e.ValidationMetrics["Accuracy"]);
        Assert.Equal(best, report.Epochs[report.BestEpoch - 1].ValidationMetrics["Accuracy"]);
        Assert.True(report.WallTime > TimeSpan.Zero);
        if (OperatingSystem.IsLinux()) Assert.True(report.PeakMemoryBytes > 0);
    }

    [Fact]
    public void ProgressReachesTheLogAndTheCallback()
    {
        var epochEnds = fixture.Reports.Where(r => r.IsEpochEnd).ToArray();
        Assert.Equal([1, 2, 3], epochEnds.Select(r => r.Epoch));
        Assert.All(epochEnds, r => Assert.Equal("Accuracy", r.ValidationMetricName));
        Assert.All(fixture.Reports, r => Assert.True(r.RowsPerSecond > 0 && r.LearningRate >= 0 && r.TotalSteps > 0));
        Assert.Equal(fixture.Reports.Max(r => r.Step), epochEnds[^1].Step);
        lock (fixture.LogLines)
            Assert.Contains(fixture.LogLines, line => line.Contains("epoch 3/3") && line.Contains("rows/s") && line.Contains("validation Accuracy"));
    }
}
