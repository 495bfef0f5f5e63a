using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Soak;

/// <summary>Settings of a soak run.</summary>
/// <param name="Predictions">Rows scored through PredictionEngine, and again through batched Transform.</param>
/// <param name="FitCycles">Fit, score and dispose cycles.</param>
/// <param name="ModelPath">Encoder checkpoint folder; null: the embedded encoder.</param>
/// <param name="OutputDirectory">Receives samples.csv, memory.png and summary.md.</param>
/// <param name="SampleEvery">Rows between memory samples.</param>
/// <param name="MaxSequenceLength">Longest token sequence.</param>
public sealed record SoakSettings(int Predictions, int FitCycles, string? ModelPath, string OutputDirectory, int SampleEvery = 5000, int MaxSequenceLength = 64);

/// <summary>One memory sample.</summary>
/// <param name="Phase">predict-engine, transform or fit-dispose.</param>
/// <param name="Done">Rows (or cycles) done in the phase.</param>
/// <param name="Seconds">Seconds since the run started.</param>
/// <param name="ResidentMiB">Resident memory of the process (VmRSS), after a full garbage collection.</param>
/// <param name="ManagedMiB">Managed heap after that collection.</param>
public sealed record SoakSample(string Phase, int Done, double Seconds, double ResidentMiB, double ManagedMiB);

/// <summary>A phase's figures.</summary>
/// <param name="Phase">Its name.</param>
/// <param name="Count">Rows or cycles.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="StartMiB">Resident memory at its start.</param>
/// <param name="WarmMiB">Resident memory once warm (after the first 10 % of the phase; after the second cycle for fit-dispose).</param>
/// <param name="EndMiB">Resident memory at its end.</param>
public sealed record SoakPhase(string Phase, int Count, double Seconds, double StartMiB, double WarmMiB, double EndMiB)
{
    /// <summary>Rows (or cycles) per second.</summary>
    public double PerSecond => Count / Math.Max(Seconds, 1e-9);

    /// <summary>Growth of resident memory once warm.</summary>
    public double GrowthAfterWarmMiB => EndMiB - WarmMiB;
}

/// <summary>What a soak run measured.</summary>
public sealed record SoakReport(IReadOnlyList<SoakPhase> Phases, IReadOnlyList<SoakSample> Samples);

/// <summary>
/// Fits a classifier once, scores <see cref="SoakSettings.Predictions"/> rows through a PredictionEngine and as many
/// through one batched Transform, then runs fit/score/dispose cycles; samples resident memory throughout.
/// </summary>
public static class SoakRunner
{
    private static readonly string[] Words = ["printer", "network", "disk", "driver", "font", "kernel", "python", "library", "editor", "game",
        "audio", "video", "server", "client", "shell", "daemon", "tool", "data", "mail", "web", "the", "a", "for", "with", "and", "of"];

    /// <summary>Runs the soak and writes its outputs; <paramref name="log"/> gets progress lines.</summary>
    public static SoakReport Run(SoakSettings settings, Action<string> log)
    {
        Directory.CreateDirectory(settings.OutputDirectory);
        var clock = Stopwatch.StartNew();
        var samples = new List<SoakSample>();
        void Sample(string phase, int done)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var sample = new SoakSample(phase, done, clock.Elapsed.TotalSeconds, ResidentMiB(), GC.GetTotalMemory(false) / 1048576.0);
            samples.Add(sample);
            log(string.Create(CultureInfo.InvariantCulture, $"{phase} {done}: {sample.ResidentMiB:F1} MiB resident, {sample.ManagedMiB:F1} MiB managed, {sample.Seconds:F0} s"));
        }

        var mlContext = new MLContext(seed: 1);
        var phases = new List<SoakPhase>();
        using (var model = Fit(mlContext, settings, seed: 0))
        {
            var engine = mlContext.Model.CreatePredictionEngine<TextRow, Prediction>(model);
            var texts = Enumerable.Range(0, settings.Predictions).Select(Text);
            phases.Add(Measure("predict-engine", settings, Sample, clock, texts.Select(text => engine.Predict(text).Score.Length)));
            phases.Add(Measure("transform", settings, Sample, clock, Scores(model.Transform(mlContext.Data.LoadFromEnumerable(texts)))));
            engine.Dispose(); // ML.NET 5: disposing the engine disposes the model it was created from, so it goes last
        }
        var cycleStart = clock.Elapsed.TotalSeconds;
        Sample("fit-dispose", 0);
        double startMiB = samples[^1].ResidentMiB, warmMiB = startMiB;
        for (int cycle = 1; cycle <= settings.FitCycles; cycle++)
        {
            using (var model = Fit(mlContext, settings, seed: cycle))
                model.Transform(mlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 32).Select(Text))).GetColumn<float[]>("Score").ToList();
            Sample("fit-dispose", cycle);
            if (cycle == Math.Min(2, settings.FitCycles)) warmMiB = samples[^1].ResidentMiB;
        }
        phases.Add(new SoakPhase("fit-dispose", settings.FitCycles, clock.Elapsed.TotalSeconds - cycleStart, startMiB, warmMiB, samples[^1].ResidentMiB));

        var report = new SoakReport(phases, samples);
        SoakOutputs.Write(report, settings);
        return report;
    }

    /// <summary>Consumes <paramref name="scoring"/> (one element per row scored), sampling memory along the way.</summary>
    private static SoakPhase Measure(string phase, SoakSettings settings, Action<string, int> sample, Stopwatch clock, IEnumerable<int> scoring)
    {
        sample(phase, 0);
        double start = clock.Elapsed.TotalSeconds, startMiB = ResidentMiB(), warmMiB = startMiB;
        int warmAt = Math.Max(1, settings.Predictions / 10), done = 0;
        foreach (var _ in scoring)
        {
            done++;
            if (done % settings.SampleEvery == 0 || done == warmAt || done == settings.Predictions)
            {
                sample(phase, done);
                if (done == warmAt) warmMiB = ResidentMiB();
            }
        }
        return new SoakPhase(phase, done, clock.Elapsed.TotalSeconds - start, startMiB, warmMiB, ResidentMiB());
    }

    /// <summary>Reads the Score column of <paramref name="scored"/> with one cursor, yielding per row.</summary>
    private static IEnumerable<int> Scores(IDataView scored)
    {
        var score = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([score]);
        var getter = cursor.GetGetter<VBuffer<float>>(score);
        var value = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref value);
            yield return value.Length;
        }
    }

    private static LamdaTextClassificationTransformer Fit(MLContext mlContext, SoakSettings settings, int seed)
    {
        var rows = Enumerable.Range(0, 48).Select(i => new TrainingRow { Text = Text(i + 1_000_000 * seed).Text, Label = $"class{i % 4}" });
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var keyed = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        return mlContext.MulticlassClassification.Trainers.Lamda(new LamdaTextClassificationTrainer.Options
        {
            ModelPath = settings.ModelPath, Sentence1ColumnName = "Text", Rank = 8, MaxEpochs = 1, BatchSize = 16,
            MaxSequenceLength = settings.MaxSequenceLength, Device = "cpu", Seed = seed,
        }).Fit(keyed);
    }

    /// <summary>Row <paramref name="index"/> of an endless, deterministic set of texts of 3 to 40 words.</summary>
    private static TextRow Text(int index)
    {
        var random = new Random(index);
        return new TextRow { Text = string.Join(' ', Enumerable.Range(0, random.Next(3, 41)).Select(_ => Words[random.Next(Words.Length)])) };
    }

    private static double ResidentMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    private sealed class TrainingRow
    {
        public string Text { get; set; } = "";
        public string Label { get; set; } = "";
    }
}

/// <summary>Input row.</summary>
public sealed class TextRow
{
    /// <summary>The text.</summary>
    public string Text { get; set; } = "";
}

/// <summary>Output row.</summary>
public sealed class Prediction
{
    /// <summary>Class probabilities.</summary>
    public float[] Score { get; set; } = [];
}
