using System.Runtime.InteropServices;
using TorchSharp;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// GPU memory in use, from NVML (<c>libnvidia-ml.so.1</c>, installed with the NVIDIA driver; Linux only). TorchSharp 0.107 exposes no CUDA memory statistics, so this is the device's used memory as the driver
/// reports it: libtorch's cached blocks included, and other processes on the same GPU too.
/// </summary>
internal static class GpuMemory
{
    private const string Library = "libnvidia-ml.so.1";
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return nvmlInit_v2() == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    });

    /// <summary>Bytes in use on CUDA device <paramref name="index"/>, or null where NVML is not available (no driver, not Linux).</summary>
    public static long? ReadUsedBytes(int index)
    {
        if (!Initialized.Value) return null;
        if (nvmlDeviceGetHandleByIndex_v2((uint)Math.Max(index, 0), out var device) != 0) return null;
        return nvmlDeviceGetMemoryInfo(device, out var memory) == 0 ? (long)memory.Used : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in this project; these signatures are blittable.
    [DllImport(Library)]
    private static extern int nvmlInit_v2();

    [DllImport(Library)]
    private static extern int nvmlDeviceGetHandleByIndex_v2(uint index, out IntPtr device);

    [DllImport(Library)]
    private static extern int nvmlDeviceGetMemoryInfo(IntPtr device, out NvmlMemory memory);
#pragma warning restore SYSLIB1054
}

/// <summary>Keeps the largest GPU memory in use seen at each <see cref="Sample"/> (nothing on non-CUDA devices).</summary>
internal sealed class GpuMemorySampler(torch.Device device)
{
    /// <summary>The largest sample, or null when none was taken (CPU, or no NVML).</summary>
    public long? PeakBytes { get; private set; }

    /// <summary>Reads the device's used memory now (a driver call; no synchronization of the GPU).</summary>
    public void Sample()
    {
        if (device.type != DeviceType.CUDA) return;
        if (GpuMemory.ReadUsedBytes(device.index) is long used)
            PeakBytes = Math.Max(PeakBytes ?? 0, used);
    }
}

/// <summary>Turns TF32 matrix multiplication on for a CUDA fit when asked, and restores the previous setting on dispose.</summary>
internal sealed class Tf32Scope : IDisposable
{
    private readonly bool _previousMatmul;
    private readonly bool _previousCudnn;

    private Tf32Scope()
    {
        _previousMatmul = torch.backends.cuda.matmul.allow_tf32;
        _previousCudnn = torch.backends.cudnn.allow_tf32;
        torch.backends.cuda.matmul.allow_tf32 = true;
        torch.backends.cudnn.allow_tf32 = true;
    }

    /// <summary>A scope that allows TF32 when <paramref name="allow"/> and the device is CUDA; otherwise null (nothing to undo).</summary>
    public static IDisposable? Enter(bool allow, torch.Device device) => allow && device.type == DeviceType.CUDA ? new Tf32Scope() : null;

    /// <inheritdoc/>
    public void Dispose()
    {
        torch.backends.cuda.matmul.allow_tf32 = _previousMatmul;
        torch.backends.cudnn.allow_tf32 = _previousCudnn;
    }
}
