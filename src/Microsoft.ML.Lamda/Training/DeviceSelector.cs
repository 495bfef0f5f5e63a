using TorchSharp;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Resolves the <c>Device</c> option (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) to a TorchSharp device.
/// </summary>
public static class DeviceSelector
{
    /// <summary>
    /// Resolves <paramref name="device"/>. <c>auto</c> (or null) picks the first CUDA device when the
    /// build carries a CUDA libtorch and a GPU is present, and otherwise CPU, reporting the choice
    /// through <paramref name="log"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not one of the accepted forms, or names a GPU that is not there.</exception>
    public static torch.Device Resolve(string? device, Action<string>? log = null)
    {
        var text = (device ?? "auto").Trim().ToLowerInvariant();
        if (text is "" or "auto")
        {
            if (torch.cuda.is_available())
            {
                log?.Invoke("Device 'auto': using cuda:0.");
                return new torch.Device(DeviceType.CUDA, 0);
            }
            log?.Invoke("Device 'auto': no CUDA device available (or a CPU-only libtorch build), falling back to CPU.");
            return torch.CPU;
        }
        if (text == "cpu") return torch.CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (text.Length > 4 && (!int.TryParse(text.AsSpan(5), out index) || index < 0))
                throw new ArgumentException($"Device '{device}' is not valid: expected 'auto', 'cpu', 'cuda' or 'cuda:N' with N a GPU index.", nameof(device));
            if (!torch.cuda.is_available())
                throw new ArgumentException($"Device '{device}' was requested but CUDA is not available: build with -p:LamdaTorchBackend=cuda on a machine with an NVIDIA GPU, or use 'auto' or 'cpu'.", nameof(device));
            int count = torch.cuda.device_count();
            if (index >= count)
                throw new ArgumentException($"Device '{device}' names GPU {index}, but only {count} GPU(s) are visible.", nameof(device));
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{device}' is not valid: expected 'auto', 'cpu', 'cuda' or 'cuda:N'.", nameof(device));
    }
}
