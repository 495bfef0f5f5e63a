using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lamda.Soak;

/// <summary>Writes samples.csv, memory.png (resident memory over time, one line per phase) and summary.md.</summary>
public static class SoakOutputs
{
    /// <summary>Writes the three files into <see cref="SoakSettings.OutputDirectory"/>.</summary>
    public static void Write(SoakReport report, SoakSettings settings)
    {
        var csv = new StringBuilder("phase,done,seconds,resident_mib,managed_mib\n");
        foreach (var s in report.Samples)
            csv.Append(CultureInfo.InvariantCulture, $"{s.Phase},{s.Done},{s.Seconds:F2},{s.ResidentMiB:F1},{s.ManagedMiB:F1}\n");
        File.WriteAllText(Path.Combine(settings.OutputDirectory, "samples.csv"), csv.ToString());

        var plot = new ScottPlot.Plot();
        foreach (var phase in report.Samples.GroupBy(s => s.Phase))
        {
            var line = plot.Add.Scatter(phase.Select(s => s.Seconds).ToArray(), phase.Select(s => s.ResidentMiB).ToArray());
            line.LegendText = phase.Key;
        }
        plot.Title($"Resident memory: {settings.Predictions:N0} predictions per scoring phase, {settings.FitCycles} fit/dispose cycles");
        plot.XLabel("seconds since start");
        plot.YLabel("resident memory (MiB, after a full GC)");
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(Path.Combine(settings.OutputDirectory, "memory.png"), 900, 500);

        File.WriteAllText(Path.Combine(settings.OutputDirectory, "summary.md"), Table(report));
    }

    /// <summary>The phases as a Markdown table.</summary>
    public static string Table(SoakReport report)
    {
        var table = new StringBuilder("| phase | count | seconds | per second | resident at start | once warm | at end | growth once warm |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var p in report.Phases)
            table.Append(CultureInfo.InvariantCulture,
                $"| {p.Phase} | {p.Count:N0} | {p.Seconds:F0} | {p.PerSecond:F1} | {p.StartMiB:F1} MiB | {p.WarmMiB:F1} MiB | {p.EndMiB:F1} MiB | {p.GrowthAfterWarmMiB:+0.0;-0.0;0.0} MiB |\n");
        return table.ToString();
    }
}
