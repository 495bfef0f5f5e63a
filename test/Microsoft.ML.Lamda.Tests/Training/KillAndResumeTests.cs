using System.Diagnostics;
using System.Reflection;
using Microsoft.ML.Lamda.Tests.MLNet;

namespace Microsoft.ML.Lamda.Tests.Training;

/// <summary>
/// Crash safety with real processes: a child (test/Microsoft.ML.Lamda.TrainCheck) trains a tiny model with a
/// CheckpointDirectory, is SIGKILLed at an exact point (between steps of an epoch, or at a stage of a checkpoint
/// write), and is started again with the same folder; the resumed run must end with the same merged weights (SHA-256
/// of model.safetensors) and the same score bits as an uninterrupted run.
/// </summary>
public sealed class KillAndResumeTests : IDisposable
{
    private static readonly string TrainCheck = typeof(KillAndResumeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TrainCheckAssembly").Value!;
    private readonly string _encoder = TinyTextTasks.WriteCheckpoint();
    private readonly string _work = Directory.CreateTempSubdirectory("lamda-kill-").FullName;

    public void Dispose()
    {
        Directory.Delete(_encoder, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public void KilledRunsResumeToTheUninterruptedModelBitForBit()
    {
        var reference = Train("uninterrupted", Path.Combine(_work, "uninterrupted-checkpoints"), holdAt: null);
        Assert.DoesNotContain(reference.Log, l => l.StartsWith("LOG", StringComparison.Ordinal));

        // Each scenario: the markers to kill at, one process per marker, then a run to the end; and the epoch it must resume after.
        (string Name, string[] KillAt, int ResumedAfter)[] scenarios =
        [
            ("during a step of epoch 1, no checkpoint yet", ["PROGRESS epoch=1 step=10"], 0),
            ("during a step of epoch 2", ["PROGRESS epoch=2 step=30"], 1),
            ("writing the checkpoint of epoch 2, after optimizer.bin", ["CHECKPOINT 2 optimizer.bin"], 1),
            ("writing the checkpoint of epoch 2, after manifest.json before the rename", ["CHECKPOINT 2 manifest.json"], 1),
            ("after the rename of epoch 2, then again during epoch 3", ["CHECKPOINT 2 renamed", "PROGRESS epoch=3 step=60"], 2),
        ];
        var failures = new List<string>();
        for (int s = 0; s < scenarios.Length; s++)
        {
            var (name, killAt, resumedAfter) = scenarios[s];
            var checkpoints = Path.Combine(_work, $"checkpoints-{s}");
            foreach (var marker in killAt)
            {
                var killed = Train($"killed-{s}", checkpoints, holdAt: marker);
                Assert.False(killed.Completed, $"{name}: the run at '{marker}' was not killed");
            }
            var resumed = Train($"resumed-{s}", checkpoints, holdAt: null);
            Assert.True(resumed.Completed, $"{name}: {string.Join("\n", resumed.Log)}");
            if (resumedAfter > 0)
                Assert.Contains(resumed.Log, l => l.StartsWith("LOG", StringComparison.Ordinal) && l.Contains("Resuming from", StringComparison.Ordinal) && l.Contains($"after epoch {resumedAfter} ", StringComparison.Ordinal));
            else
                Assert.DoesNotContain(resumed.Log, l => l.Contains("Resuming from", StringComparison.Ordinal));
            Assert.DoesNotContain(resumed.Log, l => l.StartsWith($"PROGRESS epoch={resumedAfter} ", StringComparison.Ordinal));
            if (resumed.WeightsHash != reference.WeightsHash || !resumed.Scores.SequenceEqual(reference.Scores))
                failures.Add($"{name}: weights {resumed.WeightsHash} vs {reference.WeightsHash}");
        }
        Assert.Empty(failures);
    }

    private sealed record Run(bool Completed, List<string> Log, string WeightsHash, string[] Scores);

    private Run Train(string name, string checkpoints, string? holdAt)
    {
        var output = Path.Combine(_work, name);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _work };
        foreach (var argument in new[] { TrainCheck, _encoder, checkpoints, output }.Concat(holdAt is null ? [] : [holdAt]))
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var log = new List<string>();
        var stderr = process.StandardError.ReadToEndAsync();
        var deadline = Stopwatch.StartNew();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            log.Add(line);
            if (line == holdAt)
            {
                process.Kill(); // SIGKILL on Linux: no handler, no finally block runs in the child.
                break;
            }
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), $"{name}: no end after 3 minutes");
        }
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), $"{name}: the child did not exit");
        bool completed = log.Contains("DONE");
        if (holdAt is null) Assert.True(process.ExitCode == 0 && completed, $"{name}: exit code {process.ExitCode}\n{string.Join("\n", log)}\n{stderr.Result}");
        return completed
            ? new Run(true, log, File.ReadAllText(Path.Combine(output, "weights.sha256")), File.ReadAllLines(Path.Combine(output, "scores.txt")))
            : new Run(false, log, "", []);
    }
}
