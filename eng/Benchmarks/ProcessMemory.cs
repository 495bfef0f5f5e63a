namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Reads this process's resident memory from <c>/proc/self/status</c> (Linux).</summary>
internal static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in bytes.</summary>
    public static long PeakResidentBytes() => ReadKilobytes("VmHWM:") * 1024;

    /// <summary>Current resident set size (VmRSS) in bytes.</summary>
    public static long ResidentBytes() => ReadKilobytes("VmRSS:") * 1024;

    /// <summary>
    /// Resets VmHWM to the current RSS (writing 5 to <c>/proc/self/clear_refs</c>), so that a later
    /// <see cref="PeakResidentBytes"/> measures only what happened after this call.
    /// </summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long ReadKilobytes(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/proc/self/status has no '{field}' line: peak memory needs Linux.");
    }
}
