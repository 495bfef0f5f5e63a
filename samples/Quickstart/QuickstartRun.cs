using System.Diagnostics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>What a quickstart run measured and wrote.</summary>
/// <param name="Lamda">The fine-tuned encoder's test figures.</param>
/// <param name="Classic">The classic ML.NET pipeline's test figures.</param>
/// <param name="MajorityAccuracy">Test accuracy of always predicting the most frequent training class.</param>
/// <param name="ModelPath">The saved model.</param>
/// <param name="ReportPath">The markdown report.</param>
/// <param name="Predictions">Section predicted by the reloaded model for each sample description.</param>
public sealed record QuickstartResult(ModelScores Lamda, ModelScores Classic, double MajorityAccuracy, string ModelPath, string OnnxPath, string ReportPath,
    IReadOnlyList<(string Description, string Section, float Probability)> Predictions);

/// <summary>
/// The quickstart: fine-tunes all-MiniLM-L6-v2 (or the embedded encoder) on Debian package descriptions to predict their archive
/// section, compares it with a classic ML.NET text pipeline, saves, reloads and uses the model.
/// </summary>
public static class QuickstartRun
{
    /// <summary>Descriptions the reloaded model classifies at the end.</summary>
    public static IReadOnlyList<string> SampleDescriptions { get; } =
    [
        "Python 3 bindings for the GeoTIFF library. This package provides the Python 3 module to read and write georeferenced images.",
        "Haskell library for parsing and printing YAML documents. This package provides a library for the Haskell programming language.",
        "command-line tool to mirror folders over SSH. It copies only the changed parts of files and can resume interrupted transfers.",
        "shared library for decoding Opus audio streams. This package contains the shared library.",
        "HTML manual and API reference of the Foo toolkit. This package contains the documentation.",
    ];

    /// <summary>Runs the quickstart with <paramref name="settings"/>, writing progress to <paramref name="output"/>.</summary>
    public static QuickstartResult Run(QuickstartSettings settings, TextWriter output)
    {
        var mlContext = new MLContext(seed: 1);
        mlContext.Log += (_, e) =>
        {
            if (e.Kind == Runtime.ChannelMessageKind.Info && e.Source.Contains("LaMDA", StringComparison.Ordinal) && !e.Message.Contains(" rows/s ETA ", StringComparison.Ordinal))
                output.WriteLine($"  {e.RawMessage}");
        };
        var data = SectionData.Load(mlContext, settings);
        Directory.CreateDirectory(settings.OutputDirectory);

        var keyMap = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(SectionRow.Section)).Fit(data.Train);
        double majority = MajorityAccuracy(mlContext, data);

        var encoderName = QuickstartEncoders.DisplayName(settings.Encoder);
        output.WriteLine($"Fine-tuning {encoderName} with {MethodName(settings.Method)} (rank {settings.Rank}) on {settings.TrainRows} descriptions, {settings.Epochs} epoch(s), at most {settings.MaxLength} tokens:");
        var losses = new List<(long Step, double Loss)>();
        var clock = Stopwatch.StartNew();
        var trainer = mlContext.MulticlassClassification.Trainers.Lamda(new LamdaTextClassificationTrainer.Options
        {
            ModelPath = QuickstartEncoders.ModelPath(settings.Encoder),
            LabelColumnName = "Label",
            Sentence1ColumnName = nameof(SectionRow.Description),
            Method = settings.Method,
            Rank = settings.Rank,
            BatchSize = settings.BatchSize,
            MaxEpochs = settings.Epochs,
            MaxSequenceLength = settings.MaxLength,
            LearningRate = settings.LearningRate,
            Device = settings.Device,
            ValidationSet = data.Validation is null ? null : keyMap.Transform(data.Validation),
            Progress = new LineProgress(output, losses),
        });
        var keyedTrain = keyMap.Transform(data.Train);
        var lamda = trainer.Fit(keyedTrain);
        var lamdaTime = clock.Elapsed;
        var toSection = mlContext.Transforms.Conversion.MapKeyToValue("PredictedSection", "PredictedLabel").Fit(lamda.Transform(keyedTrain));
        var model = keyMap.Append(lamda).Append(toSection);
        var report = lamda.TrainingReport;
        output.WriteLine($"Trained in {lamdaTime:mm\\:ss}: {report.TrainableParameters:N0} of {report.TotalParameters:N0} parameters trainable ({100.0 * report.TrainableParameters / report.TotalParameters:F2} %){(report.PeakGpuMemoryBytes is long gpu ? $", peak GPU memory {gpu / (1024.0 * 1024):F0} MiB" : "")}.");

        output.WriteLine("Evaluating on the test set...");
        var lamdaScores = ModelScores.Evaluate(mlContext, $"{MethodName(settings.Method)}, {encoderName}", model, data.Test, lamdaTime, report.TrainableParameters);

        output.WriteLine("Training the classic pipeline (FeaturizeText + SdcaMaximumEntropy) on the same rows...");
        clock.Restart();
        var classicModel = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(SectionRow.Section))
            .Append(mlContext.Transforms.Text.FeaturizeText("Features", nameof(SectionRow.Description)))
            .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: settings.Quick ? 10 : null))
            .Fit(data.Train);
        var classicScores = ModelScores.Evaluate(mlContext, "FeaturizeText + SdcaMaximumEntropy", classicModel, data.Test, clock.Elapsed, null);

        var modelPath = Path.Combine(settings.OutputDirectory, "model.zip");
        mlContext.Model.Save(model, data.Train.Schema, modelPath);
        // The same merged model for ONNX Runtime (no libtorch needed), with its tokenizer files and manifest beside it.
        var onnxPath = Path.Combine(settings.OutputDirectory, "model.onnx");
        lamda.ExportToOnnx(onnxPath, new ModelExportOptions { Overwrite = true });
        lamda.Dispose();
        var predictions = PredictWithSavedModel(mlContext, modelPath);

        var reportPath = RunReport.Write(settings, lamdaScores, classicScores, majority, report, losses, predictions);
        var result = new QuickstartResult(lamdaScores, classicScores, majority, modelPath, onnxPath, reportPath, predictions);
        ConsoleSummary.Write(output, result);
        return result;
    }

    /// <summary>Display name of a method, as the command line spells it.</summary>
    public static string MethodName(AdapterMethod method) => method switch
    {
        AdapterMethod.Lamda => "LaMDA",
        AdapterMethod.LamdaPlusPlus => "LaMDA++",
        AdapterMethod.Lora => "LoRA",
        _ => "full fine-tuning",
    };

    private static List<(string, string, float)> PredictWithSavedModel(MLContext mlContext, string modelPath)
    {
        var loaded = mlContext.Model.Load(modelPath, out _);
        try
        {
            var engine = mlContext.Model.CreatePredictionEngine<SectionRow, SectionPrediction>(loaded);
            return SampleDescriptions.Select(text =>
            {
                var prediction = engine.Predict(new SectionRow { Description = text });
                return (text, prediction.PredictedSection, prediction.Score.Max());
            }).ToList();
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    private static double MajorityAccuracy(MLContext mlContext, SectionData data)
    {
        var majority = mlContext.Data.CreateEnumerable<SectionRow>(data.Train, reuseRowObject: false)
            .GroupBy(r => r.Section).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var test = mlContext.Data.CreateEnumerable<SectionRow>(data.Test, reuseRowObject: false).ToList();
        return test.Count(r => r.Section == majority) / (double)test.Count;
    }

    /// <summary>Prints each progress report as a line and keeps the loss curve.</summary>
    private sealed class LineProgress(TextWriter output, List<(long Step, double Loss)> losses) : IProgress<LamdaTrainingProgress>
    {
        public void Report(LamdaTrainingProgress value)
        {
            if (!value.IsEpochEnd) losses.Add((value.Step, value.Loss));
            output.WriteLine($"  {value}");
        }
    }
}
