using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Writes the benchmark's markdown report and PNG charts.</summary>
internal static class ReportWriter
{
    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>Writes <c>report.md</c> and the charts into <paramref name="directory"/>; returns the report's path.</summary>
    public static string Write(string directory, string machine, IReadOnlyList<TrainingResult> training, IReadOnlyList<InferenceResult> inference, string command)
    {
        Directory.CreateDirectory(directory);
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {machine}, with `{command}`.").AppendLine();
        // Each child times square matrix products once; a short measurement on a shared machine only ever comes out
        // low, so the yardstick of every row is the best GEMM any child of this run reached in the row's dtype.
        var bestGemm = training.GroupBy(r => r.Case.DType).ToDictionary(g => g.Key, g => g.Max(r => r.GemmPeakFlops));
        md.AppendLine(c, $"GEMM peak (best of the run's children): {string.Join(", ", bestGemm.Select(p => $"{p.Key} {p.Value / 1e9:F0} GFLOP/s"))}. \"achieved / peak\" is the step's matrix-multiply FLOPs per second over it.").AppendLine();
        md.AppendLine(c, $"Device: {string.Join(", ", training.Select(r => r.Case.Device).Concat(inference.Select(r => r.Case.Device)).Distinct())}. Host memory is the process's resident memory (VmHWM); GPU memory is the device's memory in use as NVML reports it (libtorch's cache included), n/a on CPU. On CUDA every timing ends with a synchronization.").AppendLine();
        md.AppendLine("| model | method | dtype | batch | trainable params | of which adapters | optimizer state | peak host RSS | host peak above loaded | peak GPU memory | median step | forward / backward / optimizer | tokens/s | GEMM in this child | achieved / peak |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in training)
        {
            md.AppendLine(c, $"| {r.Case.Model} | {Label(r.Case.Variant, r.Case.Rank)} | {r.Case.DType} | {r.Case.Batch} | {r.TrainableParameters:N0} | {Adapters(r)} | {Mib(r.OptimizerStateBytes)} | {r.PeakBytes / GiB:F2} GiB | {r.PeakAboveLoadedBytes / GiB:F2} GiB | {Gpu(r.PeakGpuBytes)} | {r.MedianStepSeconds:F2} s | {Phases(r.Phases)} | {r.TokensPerSecond:F0} | {r.GemmPeakFlops / 1e9:F0} GFLOP/s | {r.PeakFraction(bestGemm[r.Case.DType]):P0} |");
        }
        md.AppendLine();
        AppendRatios(md, training);
        if (inference.Count > 0)
        {
            md.AppendLine("| model | batch | pretrained, batched | merged, batched | unmerged adapters, batched | merged, one row at a time | merged / pretrained | batched / one row |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in inference)
            {
                md.AppendLine(c, $"| {r.Case.Model} | {r.Case.Batch} | {r.PretrainedBatched:F1} rows/s | {r.MergedBatched:F1} rows/s | {r.UnmergedBatched:F1} rows/s | {r.MergedOneRowAtATime:F1} rows/s | {r.MergedBatched / r.PretrainedBatched:P1} | {r.MergedBatched / r.MergedOneRowAtATime:F1}x |");
            }
            md.AppendLine();
        }
        foreach (var group in training.GroupBy(r => (r.Case.Model, r.Case.DType)))
        {
            var memory = MemoryChart(group.Key.Model, group.Key.DType, group.ToList());
            var time = StepTimeChart(group.Key.Model, group.Key.DType, group.ToList());
            memory.SavePng(Path.Combine(directory, $"peak-memory-{group.Key.Model}-{group.Key.DType}.png"), 800, 500);
            time.SavePng(Path.Combine(directory, $"step-time-{group.Key.Model}-{group.Key.DType}.png"), 800, 500);
            md.AppendLine(c, $"![peak memory]({$"peak-memory-{group.Key.Model}-{group.Key.DType}.png"}) ![step time]({$"step-time-{group.Key.Model}-{group.Key.DType}.png"})");
        }
        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static string Gpu(long? bytes) => bytes is long b ? string.Create(CultureInfo.InvariantCulture, $"{b / GiB:F2} GiB") : "n/a";

    private static string Phases(StepPhases? p) => p is null
        ? "not measured"
        : string.Create(CultureInfo.InvariantCulture, $"{p.ForwardSeconds:F2} / {p.BackwardSeconds:F2} / {p.OptimizerSeconds:F2} s");

    private static void AppendRatios(StringBuilder md, IReadOnlyList<TrainingResult> training)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var group in training.GroupBy(r => (r.Case.Model, r.Case.DType, r.Case.Batch)))
        {
            var lora = group.FirstOrDefault(r => r.Case.Variant == TrainingVariant.Lora);
            var lamda = group.FirstOrDefault(r => r.Case.Variant == TrainingVariant.LamdaAfterFreezing);
            if (lora is null || lamda is null) continue;
            md.AppendLine(c, $"- {group.Key.Model}, {group.Key.DType}, batch {group.Key.Batch}: LoRA / LaMDA (after freezing) trainable adapter parameters {(double)AdapterCount(lora) / AdapterCount(lamda):F0}x ({AdapterCount(lora):N0} / {AdapterCount(lamda):N0}; the head, {ModelShape.Parse(lora.Case.Model).HeadParameters:N0}, trains in both), peak above loaded {(double)lora.PeakAboveLoadedBytes / lamda.PeakAboveLoadedBytes:F2}x, step time {lora.MedianStepSeconds / lamda.MedianStepSeconds:F2}x.");
        }
        md.AppendLine();
    }

    private static long AdapterCount(TrainingResult r) => r.TrainableParameters - ModelShape.Parse(r.Case.Model).HeadParameters;

    private static string Adapters(TrainingResult r) =>
        r.Case.Variant == TrainingVariant.FullFineTuning ? "(all)" : AdapterCount(r).ToString("N0", CultureInfo.InvariantCulture);

    private static string Label(TrainingVariant variant, int rank) => variant switch
    {
        TrainingVariant.FullFineTuning => "full fine-tuning",
        TrainingVariant.Lora => $"LoRA r={rank}",
        TrainingVariant.LamdaDuringFreezing => $"LaMDA r={rank}, PMB training",
        TrainingVariant.LamdaAfterFreezing => $"LaMDA r={rank}, PMB frozen",
        TrainingVariant.LamdaPlusPlus => $"LaMDA++ budget r={rank}",
        _ => variant.ToString(),
    };

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F2} MiB");

    private static ScottPlot.Plot MemoryChart(string model, string dtype, IReadOnlyList<TrainingResult> results)
    {
        var plot = new ScottPlot.Plot();
        foreach (var variant in results.GroupBy(r => r.Case.Variant))
        {
            var points = variant.OrderBy(r => r.Case.Batch).ToList();
            var line = plot.Add.Scatter(points.Select(r => (double)r.Case.Batch).ToArray(), points.Select(r => r.PeakBytes / GiB).ToArray());
            line.LegendText = Label(variant.Key, points[0].Case.Rank);
        }
        plot.Title($"Peak host memory vs batch size: {model}, {dtype}, seq {results[0].Case.SequenceLength}");
        plot.XLabel("batch size");
        plot.YLabel("peak host resident memory (GiB)");
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot;
    }

    private static ScottPlot.Plot StepTimeChart(string model, string dtype, IReadOnlyList<TrainingResult> results)
    {
        var plot = new ScottPlot.Plot();
        var variants = results.Select(r => r.Case.Variant).Distinct().ToList();
        var batches = results.Select(r => r.Case.Batch).Distinct().Order().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<ScottPlot.Bar>();
        for (int b = 0; b < batches.Count; b++)
        {
            for (int v = 0; v < variants.Count; v++)
            {
                var r = results.FirstOrDefault(x => x.Case.Batch == batches[b] && x.Case.Variant == variants[v]);
                if (r is null) continue;
                bars.Add(new ScottPlot.Bar { Position = b * (variants.Count + 1) + v, Value = r.MedianStepSeconds, FillColor = palette.GetColor(v) });
            }
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(batches.Select((_, b) => b * (variants.Count + 1) + (variants.Count - 1) / 2.0).ToArray(), batches.Select(x => $"batch {x}").ToArray());
        for (int v = 0; v < variants.Count; v++)
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = Label(variants[v], results[0].Case.Rank), FillColor = palette.GetColor(v) });
        plot.Title($"Median training step time: {model}, {dtype}, seq {results[0].Case.SequenceLength}");
        plot.YLabel("seconds per step");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot;
    }
}
