using Microsoft.ML.Lamda.Training;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests.Training;

public class DeviceSelectorTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("CPU")]
    public void CpuResolvesToCpu(string text) => Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve(text).type);

    [Fact]
    public void AutoFallsBackToCpuWithALogLine()
    {
        var lines = new List<string>();
        var device = DeviceSelector.Resolve("auto", lines.Add);
        if (torch.cuda.is_available())
            Assert.Equal(DeviceType.CUDA, device.type);
        else
            Assert.Equal(DeviceType.CPU, device.type);
        Assert.Single(lines);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    public void BadDeviceTextNamesTheValue(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve(text));
        Assert.Contains(text, e.Message);
    }
}
