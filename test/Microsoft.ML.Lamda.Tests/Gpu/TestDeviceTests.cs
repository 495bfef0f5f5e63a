namespace Microsoft.ML.Lamda.Tests.Gpu;

public sealed class TestDeviceTests
{
    [Theory]
    [InlineData(null, "cpu")]
    [InlineData("", "cpu")]
    [InlineData("  ", "cpu")]
    [InlineData("cpu", "cpu")]
    [InlineData(" CPU ", "cpu")]
    [InlineData("cuda", "cuda")]
    [InlineData("CUDA", "cuda")]
    [InlineData("cuda:0", "cuda:0")]
    [InlineData("cuda:12", "cuda:12")]
    public void AcceptedValuesAndTheCpuDefault(string? value, string expected) => Assert.Equal(expected, TestDevice.Parse(value));

    [Theory]
    [InlineData("gpu")]
    [InlineData("auto")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:+1")]
    [InlineData("cuda:99999999999")]
    [InlineData("cpu:0")]
    public void AnInvalidValueNamesTheVariableTheValueAndTheAcceptedValues(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestDevice.Parse(value));
        Assert.Contains("LAMDA_TEST_DEVICE", error.Message);
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains("cpu (the default when unset), cuda, cuda:N", error.Message);
    }

    [Fact]
    public void TheSuiteRunsOnTheConfiguredDevice()
    {
        // Unset (the default) the suite runs on CPU exactly as before the variable existed.
        var configured = Environment.GetEnvironmentVariable(TestDevice.Variable);
        Assert.Equal(TestDevice.Parse(configured), TestDevice.Name);
        Assert.Equal(TestDevice.Name != "cpu", TestDevice.IsCuda);
        if (!TestDevice.IsCuda) Assert.Equal(TorchSharp.DeviceType.CPU, TestDevice.Torch.type);
    }
}
