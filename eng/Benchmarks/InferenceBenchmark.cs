using System.Diagnostics;
using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>
/// Rows per second of a plain pretrained model, a LaMDA model before and after merging (batched), and the merged
/// model fed one row at a time (how ML.NET's built-in text trainers predict). Run inside a child process.
/// </summary>
internal static class InferenceBenchmark
{
    private const int Rounds = 3;

    /// <summary>Measures the four figures; pretrained and merged are timed in alternation and the medians kept.</summary>
    public static InferenceResult Run(InferenceCase c)
    {
        var shape = ModelShape.Parse(c.Model);
        var device = DeviceSelector.Resolve(c.Device);
        using var pretrained = BenchmarkModels.Create(shape, ScalarType.Float32, device: c.Device);
        using var adaptedModel = BenchmarkModels.Create(shape, ScalarType.Float32, device: c.Device);
        var adapted = AdapterInjector.Inject(adaptedModel.Network, BenchmarkModels.Adapters(TrainingVariant.LamdaDuringFreezing, c.Rank, adaptedModel.HeadModuleNames));
        pretrained.Train(false);
        adaptedModel.Train(false);
        using var noGrad = no_grad();
        var generator = new Generator(2);
        using var hostIds = randint(1, shape.Vocabulary, new long[] { c.Rows, c.SequenceLength }, generator: generator, dtype: ScalarType.Int64);
        using var ids = hostIds.to(device);
        using var mask = ones(c.Rows, c.SequenceLength, dtype: ScalarType.Int64, device: device);

        double unmerged = RowsPerSecond(adaptedModel, ids, mask, c.Batch);
        adapted.Merge();
        var pretrainedRuns = new List<double>();
        var mergedRuns = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            pretrainedRuns.Add(RowsPerSecond(pretrained, ids, mask, c.Batch));
            mergedRuns.Add(RowsPerSecond(adaptedModel, ids, mask, c.Batch));
        }
        double oneRow = RowsPerSecond(adaptedModel, ids, mask, 1);
        return new InferenceResult(c, Timings.Median(pretrainedRuns), Timings.Median(mergedRuns), unmerged, oneRow);
    }

    private static double RowsPerSecond(SequenceClassificationModel model, Tensor ids, Tensor mask, int batch)
    {
        long rows = ids.shape[0];
        using (var scope = NewDisposeScope()) model.Forward(ids.narrow(0, 0, Math.Min(batch, rows)), mask.narrow(0, 0, Math.Min(batch, rows))); // warm-up
        BenchmarkModels.Synchronize(model.Device);
        var watch = Stopwatch.StartNew();
        for (long start = 0; start < rows; start += batch)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(batch, rows - start);
            model.Forward(ids.narrow(0, start, count), mask.narrow(0, start, count));
        }
        BenchmarkModels.Synchronize(model.Device); // on CUDA the forward passes were only queued
        return rows / watch.Elapsed.TotalSeconds;
    }
}
