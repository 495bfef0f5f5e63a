using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Tests.Models;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Checkpoints;

/// <summary>A temporary copy of a reference checkpoint folder whose weights can be rewritten; deleted on dispose.</summary>
internal sealed class CheckpointFolder : IDisposable
{
    private CheckpointFolder(string path) => Path = path;

    public string Path { get; }

    public string WeightsFile => System.IO.Path.Combine(Path, CheckpointWeights.SafetensorsFileName);

    public static CheckpointFolder Empty()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lamda-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return new CheckpointFolder(path);
    }

    /// <summary>Copies fixture <paramref name="name"/>, passing every (key, tensor) of its weights through <paramref name="rewrite"/> (null keeps them as they are).</summary>
    public static CheckpointFolder CopyOf(string name, Func<IReadOnlyList<(string Key, Tensor Value)>, IEnumerable<(string Key, Tensor Value)>>? rewrite = null, ScalarType? storeAs = null)
    {
        var folder = Empty();
        var source = ReferenceFixture.PathOf(name);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, System.IO.Path.Combine(folder.Path, System.IO.Path.GetFileName(file)));
        if (rewrite is null && storeAs is null)
            return folder;
        var tensors = ReadAll(System.IO.Path.Combine(source, CheckpointWeights.SafetensorsFileName));
        var rewritten = (rewrite ?? (t => t))(tensors).ToList();
        SafetensorsWriter.Write(folder.WeightsFile, rewritten.Select(t => KeyValuePair.Create(t.Key, t.Value)), storeAs);
        foreach (var (_, tensor) in tensors.Concat(rewritten))
            tensor.Dispose();
        return folder;
    }

    public static List<(string Key, Tensor Value)> ReadAll(string file)
    {
        using var reader = SafetensorsReader.Open(file);
        return reader.Tensors.Keys.Select(key => (key, reader.Read(key))).ToList();
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
