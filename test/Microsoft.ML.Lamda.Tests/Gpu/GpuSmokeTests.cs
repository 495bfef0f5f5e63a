using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tests.MLNet;
using Microsoft.ML.Lamda.Tokenization;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace Microsoft.ML.Lamda.Tests.Gpu;

/// <summary>
/// The GPU checks of eng/gpu-smoke.sh: they run only with <c>LAMDA_TEST_DEVICE=cuda</c> (or <c>cuda:N</c>) and are skipped elsewhere.
/// </summary>
[Collection(SerialTrainingCollection.Name)]
public sealed class GpuSmokeTests(ITestOutputHelper output) : IDisposable
{
    private const double MiB = 1024.0 * 1024;

    /// <summary>Growth of the GPU's used memory allowed after the first epoch (NVML counts libtorch's cache, rounded to its blocks).</summary>
    private const long FlatMemoryBoundBytes = 64L * 1024 * 1024;

    private readonly string _work = Directory.CreateTempSubdirectory("lamda-gpu-smoke-").FullName;
    private readonly string _checkpoint = TinyTextTasks.WriteCheckpoint();

    public void Dispose()
    {
        Directory.Delete(_work, recursive: true);
        Directory.Delete(_checkpoint, recursive: true);
    }

    [CudaFact]
    public void MergedModelGivesTheSameLogitsOnCpuAndGpu()
    {
        // One merged model (a LaMDA fit on CPU, exported as a Hugging Face folder), loaded on both devices.
        var mlContext = new MLContext(seed: 1);
        var training = mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(80, seed: 21));
        var options = LamdaTextClassificationTrainerTests.FastOptions(_checkpoint);
        options.Device = "cpu";
        options.MaxEpochs = 2;
        options.MaxSequenceLength = 16;
        var folder = Path.Combine(_work, "merged");
        using (var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training).Transform(training)))
            model.ExportToHuggingFace(folder);
        var tokenizer = PretrainedTokenizer.FromDirectory(folder);
        var encoded = TinyTextTasks.TopicRows(32, seed: 22).Select(r => tokenizer.Encode(r.Sentence1, null, 16)).ToArray();

        foreach (var (dtype, tolerance) in new[] { (torch.ScalarType.Float32, 1e-4), (torch.ScalarType.BFloat16, 2e-2) })
        {
            var cpu = Logits(folder, "cpu", dtype, tokenizer, encoded);
            var gpu = Logits(folder, TestDevice.Name, dtype, tokenizer, encoded);
            Assert.Equal(cpu.Length, gpu.Length);
            // bfloat16 keeps 8 significant bits: its tolerance is relative to the logit's size once that exceeds 1.
            double worst = cpu.Zip(gpu, (c, g) => Math.Abs(c - g) / (dtype == torch.ScalarType.BFloat16 ? Math.Max(1.0, Math.Abs(c)) : 1.0)).Max();
            output.WriteLine($"{dtype}: largest CPU/GPU logit difference {worst:G3} (tolerance {tolerance:G3}) over {cpu.Length} logits");
            Assert.True(worst <= tolerance, $"{dtype}: CPU and {TestDevice.Name} logits differ by {worst:G3}, more than {tolerance:G3}.");
            Assert.All(gpu, v => Assert.True(float.IsFinite(v)));
        }
    }

    [CudaFact]
    public void GpuMemoryStaysFlatOverHundredsOfSteps()
    {
        var mlContext = new MLContext(seed: 1);
        var training = mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(400, seed: 23));
        var options = LamdaTextClassificationTrainerTests.FastOptions(_checkpoint);
        options.Device = TestDevice.Name;
        options.MaxEpochs = 8; // 400 rows in batches of 8: 50 steps an epoch, 400 in all
        options.Dropout = 0.1; // the dropout mask's path runs too
        int index = TestDevice.Torch.index < 0 ? 0 : TestDevice.Torch.index;
        var samples = new List<(int Epoch, long Step, long Bytes)>();
        options.Progress = new SynchronousProgress<LamdaTrainingProgress>(p =>
        {
            if (GpuMemory.ReadUsedBytes(index) is long used) samples.Add((p.Epoch, p.Step, used));
        });
        using var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training).Transform(training));

        Assert.True(samples.Count > 0, "NVML (libnvidia-ml.so.1) gave no reading of the GPU's used memory: is the NVIDIA driver installed?");
        Assert.NotNull(model.TrainingReport.PeakGpuMemoryBytes);
        long lastStep = samples[^1].Step;
        Assert.True(lastStep >= 300, $"Only {lastStep} steps were trained.");
        // Warm-up: the first epoch (CUDA context, cuBLAS workspace, libtorch's cache for every batch shape).
        var warm = samples.Where(s => s.Epoch >= 2).ToList();
        long baseline = warm[0].Bytes;
        long growth = warm.Max(s => s.Bytes) - baseline;
        output.WriteLine($"GPU memory in use: {samples[0].Bytes / MiB:F0} MiB at step {samples[0].Step}, {baseline / MiB:F0} MiB after warm-up (step {warm[0].Step}), "
            + $"at most {warm.Max(s => s.Bytes) / MiB:F0} MiB up to step {lastStep}: growth {growth / MiB:F1} MiB (bound {FlatMemoryBoundBytes / MiB:F0} MiB)");
        Assert.True(growth <= FlatMemoryBoundBytes,
            $"GPU memory grew by {growth / MiB:F1} MiB between step {warm[0].Step} and step {lastStep}, more than {FlatMemoryBoundBytes / MiB:F0} MiB: something is kept per step.");
    }

    private static float[] Logits(string folder, string device, torch.ScalarType dtype, PretrainedTokenizer tokenizer, IReadOnlyList<EncodedText> encoded)
    {
        using var model = SequenceClassificationModel.FromPretrained(folder, new SequenceClassificationModelOptions { Device = device, DType = dtype });
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var batch = tokenizer.Collate(encoded, model.Device);
        var logits = model.Forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        return logits.to(torch.ScalarType.Float32).cpu().data<float>().ToArray();
    }
}
