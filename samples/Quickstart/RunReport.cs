using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>Writes the run's markdown report and its training-loss chart into the output folder.</summary>
internal static class RunReport
{
    /// <summary>Writes <c>report.md</c> and <c>training-loss.png</c>; returns the report's path.</summary>
    public static string Write(QuickstartSettings settings, ModelScores lamda, ModelScores classic, double majorityAccuracy,
        LamdaTrainingReport training, IReadOnlyList<(long Step, double Loss)> losses, IReadOnlyList<(string Description, string Section, float Probability)> predictions)
    {
        const string chartName = "training-loss.png";
        bool hasChart = WriteLossChart(Path.Combine(settings.OutputDirectory, chartName), losses, lamda.Name);
        var text = new StringBuilder();
        void Line(FormattableString? line = null) => text.AppendLine(line is null ? "" : line.ToString(CultureInfo.InvariantCulture));

        Line($"# Quickstart report{(settings.Quick ? " (quick mode)" : "")}");
        Line();
        Line($"Debian package descriptions → archive section (10 classes). {settings.TrainRows} training rows, {settings.TestRows} test rows, {settings.ValidationRows} validation rows; encoder {QuickstartEncoders.DisplayName(settings.Encoder)}{(settings.Encoder == QuickstartEncoder.Embedded ? " (embedded)" : "")}, {QuickstartRun.MethodName(settings.Method)} rank {settings.Rank}, learning rate {(settings.LearningRate is { } rate ? rate.ToString(System.Globalization.CultureInfo.InvariantCulture) : "the library default")}, {settings.Epochs} epoch(s), batch {settings.BatchSize}, at most {settings.MaxLength} tokens, written {DateTime.Now:yyyy-MM-dd HH:mm}.");
        Line();
        Line($"| model | accuracy | macro-accuracy | log-loss | trainable parameters | training time |");
        Line($"| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in new[] { lamda, classic })
            Line($"| {s.Name} | {s.Metrics.MicroAccuracy:P1} | {s.Metrics.MacroAccuracy:P1} | {s.Metrics.LogLoss:F3} | {(s.TrainableParameters is long p ? p.ToString("N0", CultureInfo.InvariantCulture) : "—")} | {s.TrainingTime:mm\\:ss\\.f} |");
        Line($"| majority class | {majorityAccuracy:P1} | {1.0 / lamda.ClassNames.Count:P1} | | | |");
        Line();
        Line($"Best epoch {training.BestEpoch} of {training.Epochs.Count}; {training.TrainableParameters:N0} of {training.TotalParameters:N0} parameters trained; peak memory {(training.PeakMemoryBytes is long b ? $"{b / (1024.0 * 1024):F0} MiB" : "unknown")}.");
        Line();
        if (hasChart)
        {
            Line($"![training loss]({chartName})");
            Line();
        }
        Line($"## Per-class recall");
        Line();
        Line($"| class | {lamda.Name} | {classic.Name} |");
        Line($"| --- | ---: | ---: |");
        for (int i = 0; i < lamda.ClassNames.Count; i++)
            Line($"| {lamda.ClassNames[i]} | {lamda.Metrics.ConfusionMatrix.PerClassRecall[i]:P1} | {RecallOf(classic, lamda.ClassNames[i]):P1} |");
        Line();
        Line($"## Confusion table ({lamda.Name})");
        Line();
        Line($"```");
        text.Append(lamda.Metrics.ConfusionMatrix.GetFormattedConfusionTable());
        Line($"```");
        Line();
        Line($"## Adapter");
        Line();
        Line($"```");
        text.AppendLine(training.AdapterSummary);
        Line($"```");
        Line();
        Line($"## Predictions of the reloaded model.zip");
        Line();
        Line($"| section | probability | description |");
        Line($"| --- | ---: | --- |");
        foreach (var (description, section, probability) in predictions)
            Line($"| {section} | {probability:P0} | {description} |");

        var path = Path.Combine(settings.OutputDirectory, "report.md");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static double RecallOf(ModelScores scores, string className)
    {
        int index = scores.ClassNames.ToList().IndexOf(className);
        return index < 0 ? double.NaN : scores.Metrics.ConfusionMatrix.PerClassRecall[index];
    }

    private static bool WriteLossChart(string path, IReadOnlyList<(long Step, double Loss)> losses, string title)
    {
        if (losses.Count < 2) return false;
        var plot = new ScottPlot.Plot();
        plot.Add.Scatter(losses.Select(l => (double)l.Step).ToArray(), losses.Select(l => l.Loss).ToArray());
        plot.Title($"Training loss: {title}");
        plot.XLabel("optimizer step");
        plot.YLabel("mean cross-entropy of the epoch so far");
        plot.SavePng(path, 800, 450);
        return true;
    }
}
