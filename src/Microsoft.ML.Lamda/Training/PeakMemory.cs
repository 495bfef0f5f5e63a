namespace Microsoft.ML.Lamda.Training;

/// <summary>Reads the process's peak resident memory (VmHWM) where the operating system reports it.</summary>
internal static class PeakMemory
{
    /// <summary>Peak resident set size in bytes from /proc/self/status, or null where that file does not exist (not Linux).</summary>
    public static long? ReadPeakResidentBytes()
    {
        const string statusFile = "/proc/self/status";
        if (!File.Exists(statusFile))
            return null;
        foreach (var line in File.ReadLines(statusFile))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
                continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 2 && long.TryParse(parts[1], out var kib) ? kib * 1024 : null;
        }
        return null;
    }
}
