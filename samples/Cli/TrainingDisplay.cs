using System.Globalization;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

/// <summary>Shows a fit on the console: a progress bar (plain lines where the console is not interactive), the
/// library's log lines, and the trainable-parameter report.</summary>
internal static class TrainingDisplay
{
    /// <summary>Runs <paramref name="fit"/> (which receives the progress sink) while showing its progress.</summary>
    public static T Run<T>(IAnsiConsole console, MLContext mlContext, Func<IProgress<LamdaTrainingProgress>, T> fit)
    {
        mlContext.Log += (_, e) =>
        {
            if (e.Kind == Runtime.ChannelMessageKind.Info && e.Source.Contains("LaMDA", StringComparison.Ordinal)
                && (e.RawMessage.StartsWith("No checkpoint folder", StringComparison.Ordinal) || e.RawMessage.StartsWith("Training ", StringComparison.Ordinal)))
                console.MarkupLineInterpolated($"[grey]{e.RawMessage}[/]");
        };
        if (!console.Profile.Capabilities.Interactive)
            return fit(new LineProgress(console));

        return console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: 1);
                return fit(new BarProgress(console, task));
            });
    }

    /// <summary>Prints the method, trainable parameters and per-layer ranks.</summary>
    public static void WriteParameterReport(IAnsiConsole console, LamdaTrainingReport report)
    {
        var table = new Table().Title("Trainable parameters").AddColumns("method", "trainable", "all", "trainable %", "adapted layers", "ranks");
        var ranks = report.LayerRanks.Values.Distinct().Order().ToList();
        table.AddRow(report.Method.ToString(), report.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture),
            report.TotalParameters.ToString("N0", CultureInfo.InvariantCulture),
            (100.0 * report.TrainableParameters / report.TotalParameters).ToString("F2", CultureInfo.InvariantCulture),
            report.LayerRanks.Count.ToString(CultureInfo.InvariantCulture),
            ranks.Count == 0 ? "-" : ranks.Count == 1 ? ranks[0].ToString(CultureInfo.InvariantCulture) : $"{ranks[0]}..{ranks[^1]}");
        console.Write(table);

        var epochs = new Table().Title("Epochs").AddColumns("epoch", "training loss", "validation");
        foreach (var epoch in report.Epochs)
            epochs.AddRow(epoch.Epoch.ToString(CultureInfo.InvariantCulture) + (epoch.Epoch == report.BestEpoch ? " (kept)" : ""),
                epoch.TrainingLoss.ToString("F4", CultureInfo.InvariantCulture),
                string.Join(", ", epoch.ValidationMetrics.Select(m => $"{m.Key} {m.Value.ToString("F4", CultureInfo.InvariantCulture)}")));
        console.Write(epochs);
        console.MarkupLineInterpolated($"Trained in {report.WallTime:hh\\:mm\\:ss}.");
    }

    /// <summary>Writes <paramref name="metrics"/> as a two-column table.</summary>
    public static void WriteMetrics(IAnsiConsole console, string title, IEnumerable<(string Name, double Value)> metrics)
    {
        var table = new Table().Title(title).AddColumns("metric", "value");
        foreach (var (name, value) in metrics)
            table.AddRow(name, value.ToString("F4", CultureInfo.InvariantCulture));
        console.Write(table);
    }

    private sealed class LineProgress(IAnsiConsole console) : IProgress<LamdaTrainingProgress>
    {
        public void Report(LamdaTrainingProgress value) => console.WriteLine(value.ToString());
    }

    private sealed class BarProgress(IAnsiConsole console, ProgressTask task) : IProgress<LamdaTrainingProgress>
    {
        public void Report(LamdaTrainingProgress value)
        {
            task.Value = value.TotalSteps == 0 ? 1 : (double)value.Step / value.TotalSteps;
            task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {value.Epoch}/{value.TotalEpochs} loss {value.Loss:F3}");
            if (value.IsEpochEnd) console.WriteLine(value.ToString());
        }
    }
}
