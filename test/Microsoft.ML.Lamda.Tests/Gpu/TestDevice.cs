using System.Globalization;
using Microsoft.ML.Lamda.Training;
using TorchSharp;

namespace Microsoft.ML.Lamda.Tests;

/// <summary>
/// The device the tests train and score on: <c>$LAMDA_TEST_DEVICE</c> (<c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; <c>cpu</c>
/// when unset), so that the suite can run on a GPU (eng/gpu-smoke.sh). Tests that need bit-exact equality across runs
/// (kill and resume, resumed losses, determinism) pin <c>"cpu"</c> themselves: GPU backward kernels use atomics, so
/// two CUDA runs need not agree bit for bit.
/// </summary>
internal static class TestDevice
{
    /// <summary>The environment variable that chooses the device.</summary>
    public const string Variable = "LAMDA_TEST_DEVICE";

    private static readonly Lazy<string> Configured = new(() => Parse(Environment.GetEnvironmentVariable(Variable)));

    /// <summary>The device as the trainers' <c>Device</c> option spells it: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public static string Name => Configured.Value;

    /// <summary>Whether the tests run on a GPU.</summary>
    public static bool IsCuda => Name != "cpu";

    /// <summary>The TorchSharp device (resolving a CUDA name fails clearly where CUDA is not available).</summary>
    public static torch.Device Torch => DeviceSelector.Resolve(Name);

    /// <summary>Reads a value of <see cref="Variable"/>: unset or blank means <c>cpu</c>; case and surrounding spaces are ignored.</summary>
    /// <exception cref="InvalidOperationException">The value is not <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</exception>
    public static string Parse(string? value)
    {
        var text = (value ?? "").Trim().ToLowerInvariant();
        if (text is "" or "cpu") return "cpu";
        if (text == "cuda") return text;
        if (text.StartsWith("cuda:", StringComparison.Ordinal) && text.Length > 5 && text[5..].All(char.IsAsciiDigit)
            && int.TryParse(text[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return $"cuda:{index}";
        throw new InvalidOperationException(
            $"{Variable}='{value}' is not a test device; accepted values: cpu (the default when unset), cuda, cuda:N (N a GPU index, e.g. cuda:0).");
    }
}
