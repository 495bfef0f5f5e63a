using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Training;

/// <summary>Writes and reads a list of named tensors (TorchSharp's tensor format, preceded by names).</summary>
internal static class NamedTensorFile
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            writer.Write(name);
            using var cpu = tensor.detach().cpu();
            cpu.Save(writer);
        }
    }

    /// <summary>Copies the tensors stored in <paramref name="path"/> into <paramref name="targets"/>, which must hold the same names and shapes.</summary>
    public static void ReadInto(string path, IReadOnlyDictionary<string, Tensor> targets)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        int count = reader.ReadInt32();
        if (count != targets.Count)
            throw new InvalidDataException($"'{path}' holds {count} tensors, expected {targets.Count}: the checkpoint was written with other settings.");
        for (int i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (!targets.TryGetValue(name, out var target))
                throw new InvalidDataException($"'{path}' holds tensor '{name}', which the model does not have: the checkpoint was written with other settings.");
            using var stored = zeros(target.shape, target.dtype);
            stored.Load(reader);
            using (no_grad())
                target.copy_(stored);
        }
    }
}
