using Microsoft.ML.Lamda.Training;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Training;

/// <summary>GPU memory reporting and the TF32 switch are inert on the CPU: no reading, no changed global setting.</summary>
public class GpuMemoryTests
{
    [Fact]
    public void OnTheCpuNothingIsSampledAndTf32IsUntouched()
    {
        var sampler = new GpuMemorySampler(torch.CPU);
        sampler.Sample();
        Assert.Null(sampler.PeakBytes);
        Assert.Null(Tf32Scope.Enter(allow: true, torch.CPU));
        // Without an NVIDIA driver (as here) NVML is absent and the reading is null, not an exception.
        if (!File.Exists("/proc/driver/nvidia/version"))
            Assert.Null(GpuMemory.ReadUsedBytes(0));
    }
}
