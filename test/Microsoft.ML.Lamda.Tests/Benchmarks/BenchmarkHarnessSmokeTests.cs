using System.Diagnostics;
using System.Reflection;

namespace Microsoft.ML.Lamda.Tests.Benchmarks;

/// <summary>Runs the benchmark harness end to end on tiny models, so that it cannot rot.</summary>
public class BenchmarkHarnessSmokeTests
{
    [Fact]
    public async Task OnnxVerbMeasuresBothRuntimesAtEveryBatchSize()
    {
        var harness = typeof(BenchmarkHarnessSmokeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BenchmarksAssembly").Value!;
        var output = Directory.CreateTempSubdirectory("lamda-bench-onnx-");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { harness, "onnx", "--smoke", "--output", output.FullName })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{await stdout}\n{await stderr}");
            var report = File.ReadAllText(Path.Combine(output.FullName, "onnx.md"));
            Assert.Matches(@"\| tiny-bert \| 16 \| 1 \| 8 \| [0-9.]+ rows/s \| [0-9.]+ rows/s \| [0-9.]+x \|", report);
            Assert.Matches(@"\| tiny-bert \| 16 \| 4 \| 8 \| [0-9.]+ rows/s \| [0-9.]+ rows/s \| [0-9.]+x \|", report);
            Assert.Contains("load average", report);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SmokeRunWritesTheReportAndChartsForEveryMethod()
    {
        var harness = typeof(BenchmarkHarnessSmokeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BenchmarksAssembly").Value!;
        Assert.True(File.Exists(harness), $"The benchmark harness was not built at {harness}.");
        var output = Directory.CreateTempSubdirectory("lamda-bench-smoke-");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(harness);
            start.ArgumentList.Add("--smoke");
            start.ArgumentList.Add("--output");
            start.ArgumentList.Add(output.FullName);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{await stdout}\n{await stderr}");

            var report = File.ReadAllText(Path.Combine(output.FullName, "report.md"));
            foreach (var method in new[] { "full fine-tuning", "LoRA r=4", "LaMDA r=4, PMB training", "LaMDA r=4, PMB frozen", "LaMDA++ budget r=4" })
            {
                Assert.Contains($"| tiny-bert | {method} |", report);
                Assert.Contains($"| tiny-deberta-v3 | {method} |", report);
            }
            Assert.Contains("| tiny-bert | 4 |", report); // the inference table
            foreach (var chart in new[] { "peak-memory-tiny-bert-float32.png", "step-time-tiny-deberta-v3-float32.png" })
            {
                var bytes = File.ReadAllBytes(Path.Combine(output.FullName, chart));
                Assert.True(bytes.Length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{chart} is not a PNG chart.");
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
