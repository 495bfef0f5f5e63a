using System.Diagnostics;
using System.IO.Compression;

namespace Microsoft.ML.Lamda.Fuzzing;

/// <summary>Settings of a fuzzing run.</summary>
/// <param name="Seed">Seed of the mutations: the same seed gives the same inputs.</param>
/// <param name="MaxInputs">Inputs to feed at most.</param>
/// <param name="TimeBudget">Time to run at most.</param>
/// <param name="WorkDirectory">Folder for the seeds, the inputs and the reproducers of findings.</param>
/// <param name="Targets">Target names to fuzz; empty: all.</param>
/// <param name="InputTimeout">An input that takes longer is a finding (a hang).</param>
/// <param name="AllocationLimitBytes">An input that allocates more managed memory, or raises the peak resident memory by more, is a finding.</param>
public sealed record FuzzSettings(int Seed, int MaxInputs, TimeSpan TimeBudget, string WorkDirectory, IReadOnlyList<string> Targets,
    TimeSpan InputTimeout, long AllocationLimitBytes = 512L << 20);

/// <summary>An input whose outcome was not a documented exception naming the file.</summary>
/// <param name="Target">The target.</param>
/// <param name="File">The mutated file, relative to the folder.</param>
/// <param name="Mutation">What was changed.</param>
/// <param name="Problem">What went wrong: the exception's type and message, a hang or an allocation.</param>
/// <param name="Reproducer">Folder holding the input that gave the finding.</param>
public sealed record FuzzFinding(string Target, string File, string Mutation, string Problem, string Reproducer);

/// <summary>Counts of a run: inputs per target and outcome, and the findings.</summary>
public sealed class FuzzReport
{
    /// <summary>Inputs fed, per target.</summary>
    public Dictionary<string, int> Inputs { get; } = [];

    /// <summary>Inputs the reader accepted (a harmless mutation, or a damaged checkpoint ignored with a log line), per target.</summary>
    public Dictionary<string, int> Accepted { get; } = [];

    /// <summary>Inputs refused with a documented exception, per target.</summary>
    public Dictionary<string, int> Rejected { get; } = [];

    /// <summary>Everything else.</summary>
    public List<FuzzFinding> Findings { get; } = [];

    /// <summary>Total inputs.</summary>
    public int TotalInputs => Inputs.Values.Sum();

    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; set; }
}

/// <summary>Feeds mutated copies of the seed files to the targets and classifies each outcome.</summary>
public static class FuzzRunner
{
    /// <summary>Runs until <see cref="FuzzSettings.MaxInputs"/> or <see cref="FuzzSettings.TimeBudget"/>; <paramref name="log"/> gets progress and findings.</summary>
    public static FuzzReport Run(FuzzSettings settings, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var seeds = Path.Combine(settings.WorkDirectory, "seeds");
        if (!Directory.Exists(seeds))
        {
            SeedFolders.WriteAll(seeds + ".tmp");
            Directory.Move(seeds + ".tmp", seeds);
        }
        var targets = FuzzTargets.All.Where(t => settings.Targets.Count == 0 || settings.Targets.Contains(t.Name)).ToList();
        if (targets.Count == 0) throw new ArgumentException($"No target named {string.Join(", ", settings.Targets)}; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}.");
        foreach (var target in targets)
        {
            // The seeds themselves must read cleanly, or every finding would be noise.
            target.Read(Path.Combine(seeds, target.Seed));
        }

        var report = new FuzzReport();
        var random = new Random(settings.Seed);
        var mutator = new Mutator(random);
        var input = Path.Combine(settings.WorkDirectory, "input");
        for (int i = 0; i < settings.MaxInputs && clock.Elapsed < settings.TimeBudget; i++)
        {
            var target = targets[i % targets.Count];
            var file = target.Files[random.Next(target.Files.Count)];
            if (Directory.Exists(input)) Directory.Delete(input, recursive: true);
            CopyFolder(Path.Combine(seeds, target.Seed), input);
            var path = Path.Combine(input, file);
            var original = File.ReadAllBytes(path);
            string mutation;
            byte[] mutated;
            if (path.EndsWith(".zip", StringComparison.Ordinal) && random.Next(3) > 0)
                (mutated, mutation) = MutateZipEntry(original, mutator, random);
            else
                (mutated, mutation) = mutator.Mutate(original, IsText(file));
            File.WriteAllBytes(path, mutated);

            report.Inputs[target.Name] = report.Inputs.GetValueOrDefault(target.Name) + 1;
            // A native crash ends the process: this line and the input folder are then the reproducer.
            File.WriteAllText(Path.Combine(settings.WorkDirectory, "current-input.txt"), $"input {i + 1}: {target.Name} {file} ({mutation}) in {input}\n");
            var problem = Feed(target, input, file, settings, out bool accepted);
            if (problem is null)
            {
                var counts = accepted ? report.Accepted : report.Rejected;
                counts[target.Name] = counts.GetValueOrDefault(target.Name) + 1;
            }
            else
            {
                var reproducer = Path.Combine(settings.WorkDirectory, "findings", $"{report.Findings.Count + 1:D4}-{target.Name}");
                if (Directory.Exists(reproducer)) Directory.Delete(reproducer, recursive: true);
                CopyFolder(input, reproducer);
                var finding = new FuzzFinding(target.Name, file, mutation, problem, reproducer);
                report.Findings.Add(finding);
                log($"FINDING {target.Name} {file} ({mutation}): {problem}");
            }
            if ((i + 1) % 500 == 0)
                log($"{i + 1} inputs, {report.Findings.Count} finding(s), {clock.Elapsed:hh\\:mm\\:ss}");
        }
        report.Elapsed = clock.Elapsed;
        return report;
    }

    private static string? Feed(FuzzTarget target, string folder, string file, FuzzSettings settings, out bool accepted)
    {
        accepted = false;
        Exception? error = null;
        long allocated = 0;
        long peakBefore = PeakResidentBytes();
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target.Read(folder);
            }
            catch (Exception e)
            {
                error = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 16 << 20) { IsBackground = true };
        thread.Start();
        if (!thread.Join(settings.InputTimeout))
            return $"hang: no result after {settings.InputTimeout.TotalSeconds:F0} s";
        long peakGrowth = PeakResidentBytes() - peakBefore;
        if (allocated > settings.AllocationLimitBytes)
            return $"allocated {allocated >> 20} MiB of managed memory (limit {settings.AllocationLimitBytes >> 20} MiB){Describe(error)}";
        if (peakGrowth > settings.AllocationLimitBytes)
            return $"peak resident memory grew by {peakGrowth >> 20} MiB (limit {settings.AllocationLimitBytes >> 20} MiB){Describe(error)}";
        if (error is null)
        {
            accepted = true;
            return null;
        }
        // ML.NET creates loaders through reflection and passes their exceptions on wrapped: judge the loader's own.
        while (error is System.Reflection.TargetInvocationException { InnerException: { } inner }) error = inner;
        bool ours = (error.StackTrace ?? "").Split('\n').Any(frame => frame.Contains(" Microsoft.ML.Lamda.", StringComparison.Ordinal) && !frame.Contains(" Microsoft.ML.Lamda.Fuzzing.", StringComparison.Ordinal));
        if (!ours && target.HostExpected?.Any(type => type.IsInstanceOfType(error)) == true)
            return null;
        if (!target.Expected.Any(type => type.IsInstanceOfType(error)))
            return $"undocumented {Describe(error)[2..]}";
        if (target.NamesFile && !error.Message.Contains(Path.GetFileName(file), StringComparison.Ordinal) && !error.Message.Contains(folder, StringComparison.Ordinal))
            return $"message does not name the file: {Describe(error)[2..]}";
        return null;
    }

    private static string Describe(Exception? error) => error is null ? "" :
        $": {error.GetType().FullName}: {error.Message.Split('\n')[0]} at {error.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";

    private static (byte[], string) MutateZipEntry(byte[] zip, Mutator mutator, Random random)
    {
        using var stream = new MemoryStream();
        stream.Write(zip);
        string description;
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entries = archive.Entries.Where(e => e.Length > 0).ToList();
            var entry = entries[random.Next(entries.Count)];
            byte[] content;
            using (var entryStream = entry.Open())
            using (var copy = new MemoryStream())
            {
                entryStream.CopyTo(copy);
                content = copy.ToArray();
            }
            var (mutated, mutation) = mutator.Mutate(content, isText: false);
            var name = entry.FullName;
            entry.Delete();
            using (var replaced = archive.CreateEntry(name).Open())
                replaced.Write(mutated);
            description = $"entry '{name}' {mutation}";
        }
        return (stream.ToArray(), description);
    }

    private static bool IsText(string file) => file.EndsWith(".json", StringComparison.Ordinal) || file.EndsWith(".txt", StringComparison.Ordinal);

    private static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) * 1024;
        return 0;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var folder in Directory.GetDirectories(from))
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
