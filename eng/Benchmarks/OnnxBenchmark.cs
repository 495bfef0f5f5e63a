using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>One ONNX Runtime against TorchSharp measurement: rows per second of the same merged model at one batch size.</summary>
internal sealed record OnnxThroughput(string Model, int SequenceLength, int Batch, int Rows, double TorchSharpRowsPerSecond, double OnnxRuntimeRowsPerSecond);

/// <summary>
/// The <c>onnx</c> verb: exports a model with <c>ExportToOnnx</c> (float32) and measures rows per second of ONNX
/// Runtime (default session options) against our TorchSharp forward pass (under no_grad) on the same random ids,
/// alternating the two and keeping the median of the rounds.
/// </summary>
internal static class OnnxBenchmark
{
    /// <summary>Measures every model at every batch size; writes <c>onnx.md</c> to <paramref name="folder"/> and returns its path.</summary>
    public static string Run(IReadOnlyList<string> models, IReadOnlyList<int> batches, int rows, int rounds, string folder, string command, TextWriter log)
    {
        var results = new List<OnnxThroughput>();
        foreach (var name in models)
        {
            var (model, sequenceLength) = Load(name);
            using var _ = model;
            var path = Path.Combine(Directory.CreateTempSubdirectory("lamda-onnx-bench-").FullName, "model.onnx");
            try
            {
                model.ExportToOnnx(path);
                using var session = new InferenceSession(path);
                var ids = RandomIds(rows, sequenceLength, model.Config.VocabSize, model.Config.PadTokenId);
                foreach (var batch in batches)
                {
                    var torchRuns = new List<double>();
                    var onnxRuns = new List<double>();
                    TorchSharpRowsPerSecond(model, ids, rows, sequenceLength, Math.Min(batch, rows));   // warm-up
                    OnnxRuntimeRowsPerSecond(session, ids, rows, sequenceLength, Math.Min(batch, rows));
                    for (int round = 0; round < rounds; round++)
                    {
                        torchRuns.Add(TorchSharpRowsPerSecond(model, ids, rows, sequenceLength, batch));
                        onnxRuns.Add(OnnxRuntimeRowsPerSecond(session, ids, rows, sequenceLength, batch));
                    }
                    var result = new OnnxThroughput(name, sequenceLength, batch, rows, Timings.Median(torchRuns), Timings.Median(onnxRuns));
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{name} batch {batch}: TorchSharp {result.TorchSharpRowsPerSecond:F1} rows/s, ONNX Runtime {result.OnnxRuntimeRowsPerSecond:F1} rows/s"));
                    results.Add(result);
                }
            }
            finally
            {
                Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
            }
        }
        Directory.CreateDirectory(folder);
        var report = Path.Combine(folder, "onnx.md");
        File.WriteAllText(report, Markdown(results, rounds, command));
        return report;
    }

    /// <summary>The results as a markdown table with the machine and its load.</summary>
    public static string Markdown(IReadOnlyList<OnnxThroughput> results, int rounds, string command)
    {
        var text = new StringBuilder();
        text.AppendLine("# ONNX Runtime against TorchSharp (same merged model, float32)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{MachineDescription.Current()}; load average at the end {LoadAverage()}. Command: `{command}`.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Median of {rounds} rounds, the two runtimes alternating; random ids, no padding.");
        text.AppendLine();
        text.AppendLine("| model | sequence length | batch | rows | TorchSharp | ONNX Runtime | ONNX Runtime / TorchSharp |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Model} | {r.SequenceLength} | {r.Batch} | {r.Rows} | {r.TorchSharpRowsPerSecond:F1} rows/s | {r.OnnxRuntimeRowsPerSecond:F1} rows/s | {r.OnnxRuntimeRowsPerSecond / r.TorchSharpRowsPerSecond:F2}x |");
        return text.ToString();
    }

    /// <summary>A model by name (a benchmark shape, or <c>quickstart</c>: the embedded encoder with the quickstart's 10-class head) and its sequence length.</summary>
    private static (SequenceClassificationModel Model, int SequenceLength) Load(string name)
    {
        if (name == "quickstart")
            return (SequenceClassificationModel.FromPretrained(DefaultEncoder.Directory, new SequenceClassificationModelOptions { NumLabels = 10, Device = "cpu" }), 64);
        var shape = ModelShape.Parse(name);
        return (BenchmarkModels.Create(shape, ScalarType.Float32), shape.Hidden >= 256 ? 128 : 16);
    }

    private static long[] RandomIds(int rows, int length, int vocabulary, int pad)
    {
        var random = new Random(2);
        var ids = new long[rows * length];
        for (int i = 0; i < ids.Length; i++)
        {
            long id;
            do id = random.Next(vocabulary); while (id == pad);
            ids[i] = id;
        }
        return ids;
    }

    private static double TorchSharpRowsPerSecond(SequenceClassificationModel model, long[] ids, int rows, int length, int batch)
    {
        using var noGrad = no_grad();
        using var all = tensor(ids, [rows, length], ScalarType.Int64);
        using var mask = ones(rows, length, dtype: ScalarType.Int64);
        var watch = Stopwatch.StartNew();
        for (int start = 0; start < rows; start += batch)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batch, rows - start);
            model.Forward(all.narrow(0, start, count), mask.narrow(0, start, count));
        }
        return rows / watch.Elapsed.TotalSeconds;
    }

    private static double OnnxRuntimeRowsPerSecond(InferenceSession session, long[] ids, int rows, int length, int batch)
    {
        var types = session.InputMetadata.ContainsKey("token_type_ids");
        var watch = Stopwatch.StartNew();
        for (int start = 0; start < rows; start += batch)
        {
            int count = Math.Min(batch, rows - start);
            int[] shape = [count, length];
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.AsMemory(start * length, count * length), shape)),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, count * length).ToArray(), shape)),
            };
            if (types)
                inputs.Add(NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[count * length], shape)));
            using var results = session.Run(inputs, ["logits"]);
        }
        return rows / watch.Elapsed.TotalSeconds;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
