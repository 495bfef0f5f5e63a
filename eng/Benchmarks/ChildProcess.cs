using System.Diagnostics;
using System.Text.Json;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Runs one measurement in a fresh copy of this program, so that its peak memory is its own.</summary>
internal static class ChildProcess
{
    private const string ResultPrefix = "RESULT ";

    /// <summary>Runs <c>this-program verb json(request)</c> and parses the line it reports.</summary>
    /// <param name="verb">The child command.</param>
    /// <param name="request">The configuration, passed as JSON.</param>
    /// <param name="log">Receives the child's output lines.</param>
    /// <param name="defaultAllocator">Leave glibc's allocator as it is (see below) instead of measuring live memory.</param>
    public static TResult Run<TRequest, TResult>(string verb, TRequest request, TextWriter log, bool defaultAllocator = false)
    {
        var entry = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell this program's path.");
        var start = new ProcessStartInfo(entry) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // glibc keeps freed blocks under its (dynamic, up to 32 MB) mmap threshold in the heap, so a process's peak
        // resident memory would count reused and fragmented heap rather than live tensors. Serving every allocation
        // of 64 KiB or more with mmap returns freed activations to the OS at once, so VmHWM measures what is alive.
        // The price is a page fault per fresh page (the kernel zeroes it): in a profile of a DeBERTa-v3-base step about
        // a fifth of the time went to page faults, so step times are measured high; --default-allocator shows the
        // step times an application gets.
        if (!defaultAllocator) start.Environment["MALLOC_MMAP_THRESHOLD_"] = "65536";
        // `dotnet Lamda.Benchmarks.dll` (dotnet run) versus the apphost: pass the assembly when the host is dotnet.
        if (Path.GetFileNameWithoutExtension(entry) == "dotnet")
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        start.ArgumentList.Add(verb);
        start.ArgumentList.Add(JsonSerializer.Serialize(request));
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {entry}.");
        var errors = process.StandardError.ReadToEndAsync();
        string? result = null;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal)) result = line[ResultPrefix.Length..];
            else log.WriteLine("    " + line);
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || result is null)
            throw new InvalidOperationException($"Benchmark child '{verb} {JsonSerializer.Serialize(request)}' failed with exit code {process.ExitCode}:\n{errors.Result}");
        return JsonSerializer.Deserialize<TResult>(result) ?? throw new InvalidOperationException("The child reported an empty result.");
    }

    /// <summary>Called in the child: writes the result line the parent parses.</summary>
    public static void Report<TResult>(TResult result) => Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
}
