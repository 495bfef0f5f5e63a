using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Host-to-device copies of batch tensors: on CUDA the host tensor is pinned and copied asynchronously (the copy
/// overlaps the work already queued, and the caching host allocator keeps the pinned block until the copy is done);
/// on other devices it is an ordinary copy (or the tensor itself on the CPU).
/// </summary>
internal static class DeviceTransfer
{
    /// <summary>Moves <paramref name="host"/> (a CPU tensor, which is consumed) to <paramref name="device"/>.</summary>
    public static Tensor ToDevice(Tensor host, Device device)
    {
        if (device.type == DeviceType.CPU) return host;
        using (host)
        {
            if (device.type != DeviceType.CUDA) return host.to(device);
            using var pinned = host.pin_memory();
            return pinned.to(device, non_blocking: true);
        }
    }
}
