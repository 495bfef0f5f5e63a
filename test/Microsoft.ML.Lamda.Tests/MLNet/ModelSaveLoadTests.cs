using Microsoft.ML.Data;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Microsoft.ML.Lamda.Tests.MLNet;

[Collection(SerialTrainingCollection.Name)]
public sealed class ModelSaveLoadTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lamda-saveload-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void ClassifierLoadsInFreshProcessWithoutCheckpointAndPredictsIdentically()
    {
        var mlContext = new MLContext(seed: 1);
        var checkpoint = TinyTextTasks.WriteCheckpoint();
        var rows = TinyTextTasks.TopicRows(64, seed: 4);
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(mlContext.Data.LoadFromEnumerable(rows))
            .Transform(mlContext.Data.LoadFromEnumerable(rows));
        var options = LamdaTextClassificationTrainerTests.FastOptions(checkpoint);
        options.MaxEpochs = 1;
        using var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(keyed);
        var zip = Path.Combine(_work, "classifier.zip");
        mlContext.Model.Save(model, keyed.Schema, zip);
        Directory.Delete(checkpoint, recursive: true);

        var texts = rows.Take(20).Select(r => (r.Sentence1, "")).Append(("", "")).ToArray();
        var expected = InProcessScores(mlContext, model, texts);
        var (type, scores) = RunLoadCheck(zip, texts, "Score");

        Assert.Equal(typeof(LamdaTextClassificationTransformer).FullName, type);
        Assert.Equal(expected.Length, scores.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], scores[i]);
    }

    [Fact]
    public void SimilarityModelLoadsInFreshProcessAndTwiceInProcess()
    {
        var mlContext = new MLContext(seed: 1);
        var checkpoint = TinyTextTasks.WriteCheckpoint();
        var rows = TinyTextTasks.PairRows(64, seed: 5);
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var options = new LamdaSentenceSimilarityTrainer.Options { ModelPath = checkpoint, Rank = 4, MaxEpochs = 1, BatchSize = 16, Device = TestDevice.Name };
        using var model = mlContext.Regression.Trainers.LamdaSentenceSimilarity(options).Fit(data);
        var zip = Path.Combine(_work, "similarity.zip");
        mlContext.Model.Save(model, data.Schema, zip);
        Directory.Delete(checkpoint, recursive: true);

        var texts = rows.Take(10).Select(r => (r.Sentence1, r.Sentence2)).ToArray();
        var expected = InProcessScores(mlContext, model, texts);
        var (type, scores) = RunLoadCheck(zip, texts, "Score");
        Assert.Equal(typeof(LamdaSentenceSimilarityTransformer).FullName, type);
        Assert.Equal(expected, scores);

        // Loading the same file twice in one process gives two independent working models.
        var first = mlContext.Model.Load(zip, out _);
        var second = mlContext.Model.Load(zip, out _);
        (first as IDisposable)!.Dispose();
        var loaded = Assert.IsType<LamdaSentenceSimilarityTransformer>(second);
        Assert.Equal(expected, InProcessScores(mlContext, loaded, texts));
        Assert.Equal(model.TrainingReport.TrainableParameters, loaded.TrainingReport.TrainableParameters);
        loaded.Dispose();
    }

    private static float[][] InProcessScores(MLContext mlContext, ITransformer model, (string First, string Second)[] texts)
    {
        var data = mlContext.Data.LoadFromEnumerable(texts.Select(t => new PairRow { Sentence1 = t.First, Sentence2 = t.Second }));
        var scored = model.Transform(data);
        return scored.Schema["Score"].Type is VectorDataViewType
            ? scored.GetColumn<float[]>("Score").ToArray()
            : scored.GetColumn<float>("Score").Select(s => new[] { s }).ToArray();
    }

    private (string Type, float[][] Scores) RunLoadCheck(string zip, (string First, string Second)[] texts, string scoreColumn)
    {
        var tsv = Path.Combine(_work, "texts.tsv");
        File.WriteAllLines(tsv, texts.Select(t => $"{t.First}\t{t.Second}"));
        var loadCheck = typeof(ModelSaveLoadTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LoadCheckAssembly").Value!;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in new[] { loadCheck, zip, tsv, scoreColumn }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "The load-check process did not finish in 2 minutes.");
        Assert.True(process.ExitCode == 0, $"The load-check process failed ({process.ExitCode}): {error.Result}");
        var lines = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var type = lines[0]["type=".Length..];
        var scores = lines.Skip(1).Select(l => l.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return (type, scores);
    }
}
