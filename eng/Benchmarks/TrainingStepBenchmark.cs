using System.Diagnostics;
using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Measures training steps of one configuration (run inside a child process).</summary>
internal static class TrainingStepBenchmark
{
    /// <summary>Builds the model, adapts it, runs warm-up and timed steps, and reports the figures.</summary>
    public static TrainingResult Run(TrainingCase c)
    {
        var shape = ModelShape.Parse(c.Model);
        var dtype = BenchmarkModels.DType(c.DType);
        var device = DeviceSelector.Resolve(c.Device);
        using var model = BenchmarkModels.Create(shape, dtype, device: c.Device);
        AdaptedModel? adapted = null;
        IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> trainable;
        if (c.Variant == TrainingVariant.FullFineTuning)
        {
            trainable = model.Network.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        }
        else
        {
            adapted = AdapterInjector.Inject(model.Network, BenchmarkModels.Adapters(c.Variant, c.Rank, model.HeadModuleNames));
            if (c.Variant is TrainingVariant.LamdaAfterFreezing or TrainingVariant.LamdaPlusPlus)
                adapted.Step(step: 1, totalSteps: 2); // t_i = 1: every PMB column frozen before the first measured step
            trainable = adapted.TrainableParameters();
        }
        long allParameters = model.Network.parameters().Sum(p => p.numel());
        long trainableParameters = trainable.Sum(p => p.Parameter.numel());
        var groups = adapted?.ParameterGroups(new ParameterGroupSettings(1e-4, 0.01)) ?? AdamWParameterGroup.SplitByWeightDecay(trainable, 1e-4, 0.01);
        using var optimizer = new AdamW(groups, columns: adapted);
        model.Train(true);

        long loadPeak = ProcessMemory.PeakResidentBytes();
        long loaded = ProcessMemory.ResidentBytes();
        ProcessMemory.ResetPeak();

        var generator = new TorchSharp.torch.Generator(1); // a CPU generator: the batches are drawn on the host and moved
        long? peakGpu = null;
        var times = new List<double>();
        var (forwardTimes, backwardTimes, optimizerTimes) = (new List<double>(), new List<double>(), new List<double>());
        for (int step = 0; step < c.WarmupSteps + c.MeasuredSteps; step++)
        {
            using var scope = NewDisposeScope();
            var ids = randint(1, shape.Vocabulary, new long[] { c.Batch, c.SequenceLength }, generator: generator, dtype: ScalarType.Int64).to(device);
            var mask = ones(c.Batch, c.SequenceLength, dtype: ScalarType.Int64, device: device);
            var labels = randint(0, 2, new long[] { c.Batch }, generator: generator, dtype: ScalarType.Int64).to(device);
            BenchmarkModels.Synchronize(device); // on CUDA, every phase is timed from an idle GPU to an idle GPU
            var watch = Stopwatch.StartNew();
            var logits = model.Forward(ids, mask);
            var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), labels);
            BenchmarkModels.Synchronize(device);
            var forward = watch.Elapsed.TotalSeconds;
            loss.backward();
            BenchmarkModels.Synchronize(device);
            var backward = watch.Elapsed.TotalSeconds;
            optimizer.ClipGradientNorm(1.0).Dispose();
            optimizer.Step();
            optimizer.ZeroGrad();
            BenchmarkModels.Synchronize(device);
            var total = watch.Elapsed.TotalSeconds;
            if (device.type == DeviceType.CUDA && GpuMemory.ReadUsedBytes(device.index) is long used) peakGpu = Math.Max(peakGpu ?? 0, used);
            if (step < c.WarmupSteps) continue;
            times.Add(total);
            forwardTimes.Add(forward);
            backwardTimes.Add(backward - forward);
            optimizerTimes.Add(total - backward);
        }
        long trainingPeak = ProcessMemory.PeakResidentBytes();
        long optimizerBytes = optimizer.StateElementCount() * 4; // AdamW keeps its moments in float32
        double median = Timings.Median(times);
        double flops = TrainingFlops.PerStep(shape, c.Batch, c.SequenceLength, BenchmarkModels.Adapters(c.Variant, c.Rank, []).Method, c.Rank,
            pmbTrainable: c.Variant == TrainingVariant.LamdaDuringFreezing);
        double gemm = GemmPeak.Measure(dtype, device);
        return new TrainingResult(c, trainableParameters, allParameters, optimizerBytes, loaded, Math.Max(loadPeak, trainingPeak),
            trainingPeak - loaded, median, c.Batch * (double)c.SequenceLength / median, flops, gemm,
            new StepPhases(Timings.Median(forwardTimes), Timings.Median(backwardTimes), Timings.Median(optimizerTimes)), peakGpu);
    }
}
