using System.Diagnostics;
using System.Reflection;

namespace Microsoft.ML.Lamda.Tests.Build;

/// <summary>
/// The GPU build switch (<c>-p:LamdaTorchBackend=</c>, eng/Packages.props): an unknown value fails the build with a
/// message listing the values instead of silently leaving no libtorch package. Runs MSBuild on the props file alone
/// (its check target), which takes about two seconds.
/// </summary>
public class TorchBackendSwitchTests
{
    private static string PackagesProps => Path.Combine(
        typeof(TorchBackendSwitchTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!,
        "eng", "Packages.props");

    [Fact]
    public async Task UnknownBackendFailsTheBuildListingTheValues()
    {
        var (exitCode, output) = await CheckBackend("bogus");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("LAMDA001", output);
        Assert.Contains("LamdaTorchBackend='bogus'", output);
        Assert.Contains("cpu (the default), cuda", output);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cuda")]
    [InlineData("")]
    public async Task KnownBackendsPass(string backend)
    {
        var (exitCode, output) = await CheckBackend(backend);
        Assert.True(exitCode == 0, output);
    }

    private static async Task<(int ExitCode, string Output)> CheckBackend(string backend)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "msbuild", PackagesProps, "-nologo", "-v:q", "-nodeReuse:false", "-t:LamdaCheckTorchBackend", $"-p:LamdaTorchBackend={backend}" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
