using Microsoft.ML.Lamda.Fuzzing;
using Microsoft.ML.Lamda.Tests.MLNet;

namespace Microsoft.ML.Lamda.Tests.Fuzzing;

/// <summary>
/// The CI-sized fuzzing run (eng/Fuzzing): mutated copies of every file the library reads, fed to every reader;
/// each input must be accepted or refused with the reader's documented exception naming the file, within a time
/// and memory limit. Serial: writing the seeds trains a tiny model, which draws from libtorch's global generator.
/// </summary>
[Collection(SerialTrainingCollection.Name)]
public sealed class FuzzingTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lamda-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void EveryReaderSurvivesMutatedFiles()
    {
        var log = new List<string>();
        var settings = new FuzzSettings(Seed: 1, MaxInputs: 1500, TimeBudget: TimeSpan.FromSeconds(40), _work, Targets: [], InputTimeout: TimeSpan.FromSeconds(30));
        var report = FuzzRunner.Run(settings, log.Add);

        Assert.True(report.Findings.Count == 0, string.Join("\n", report.Findings.Select(f => $"{f.Target} {f.File} ({f.Mutation}): {f.Problem}")));
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(), report.Inputs.Keys.Order());
        Assert.InRange(report.TotalInputs, FuzzTargets.All.Count * 20, 1500);
        // The mutations reach the readers' checks: every target except the checkpoint store (which ignores damaged
        // checkpoints with a log line) refuses most inputs.
        foreach (var target in FuzzTargets.All.Where(t => t.Name != "training-checkpoint"))
            Assert.True(report.Rejected.GetValueOrDefault(target.Name) > report.Inputs[target.Name] / 3, $"{target.Name}: {report.Rejected.GetValueOrDefault(target.Name)} of {report.Inputs[target.Name]} refused");
    }
}
