namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Describes the machine a report was measured on.</summary>
internal static class MachineDescription
{
    /// <summary>CPU model, logical cores, memory and TorchSharp's thread count.</summary>
    public static string Current()
    {
        string cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        double memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {memoryGiB:F0} GiB, libtorch threads {TorchSharp.torch.get_num_threads()}";
    }
}
