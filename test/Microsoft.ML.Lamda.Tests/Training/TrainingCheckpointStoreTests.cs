using System.Text.Json.Nodes;
using Microsoft.ML.Lamda.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Training;

public sealed class TrainingCheckpointStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-checkpoints-").FullName;
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private TrainingCheckpointStore Store(Func<string, Stream>? createFile = null) => new(_directory, _log.Add, createFile);

    private static TrainingProgressState State(int epoch) => new() { Fingerprint = "f", CompletedEpochs = epoch, Step = 10 * epoch, BestEpoch = epoch };

    /// <summary>Saves epochs 1..<paramref name="epochs"/> of a weight that grows by one per epoch.</summary>
    private void SaveEpochs(int epochs, Func<string, Stream>? createFile = null)
    {
        using var weights = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var best = full(4, 2.5f);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            weights.add_(1);
            Store(createFile).Save(State(epoch), [("w", weights)], [("b", best)], stream => stream.Write(System.Text.Encoding.UTF8.GetBytes($"optimizer {epoch}")));
        }
    }

    private static float[] Restore(string path, out string optimizer)
    {
        using var restored = zeros(2, 3);
        using var restoredBest = zeros(4);
        string? text = null;
        TrainingCheckpointStore.LoadTensors(path, new Dictionary<string, Tensor> { ["w"] = restored }, new Dictionary<string, Tensor> { ["b"] = restoredBest },
            stream => text = new StreamReader(stream).ReadToEnd());
        optimizer = text!;
        Assert.Equal(new[] { 2.5f, 2.5f, 2.5f, 2.5f }, restoredBest.data<float>().ToArray());
        return restored.data<float>().ToArray();
    }

    private string Epoch(int epoch) => Path.Combine(_directory, $"epoch-{epoch:D4}");

    [Fact]
    public void LatestCompleteCheckpointRoundTripsAndOlderOnesAreRemoved()
    {
        SaveEpochs(2);
        Assert.Equal(["epoch-0002"], Directory.GetDirectories(_directory).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(Epoch(2), "manifest.json")));

        var state = Store().TryLoadLatestState(out var path);
        Assert.NotNull(state);
        Assert.Equal(2, state.CompletedEpochs);
        Assert.Equal(20, state.Step);
        Assert.Equal(new float[] { 2, 3, 4, 5, 6, 7 }, Restore(path!, out var optimizer));
        Assert.Equal("optimizer 2", optimizer);
    }

    [Fact]
    public void EmptyFolderHasNoCheckpoint()
    {
        Assert.Null(new TrainingCheckpointStore(Path.Combine(_directory, "missing"), _log.Add).TryLoadLatestState(out var path));
        Assert.Null(path);
    }

    [Fact]
    public void HalfWrittenCheckpointWithoutManifestIsIgnoredWithALogLine()
    {
        SaveEpochs(1);
        CopyFolder(Epoch(1), Epoch(2));
        File.Delete(Path.Combine(Epoch(2), "manifest.json"));
        Directory.CreateDirectory(Epoch(3));
        var state = Store().TryLoadLatestState(out var path);
        Assert.Equal(1, state!.CompletedEpochs);
        Assert.Equal(Epoch(1), path);
        Assert.Contains(_log, line => line.Contains(Epoch(2)) && line.Contains("no manifest.json"));
        Assert.Contains(_log, line => line.Contains(Epoch(3)) && line.StartsWith("Ignoring"));
    }

    [Theory]
    [InlineData("parameters.bin", "truncate")]
    [InlineData("best-parameters.bin", "flip")]
    [InlineData("optimizer.bin", "flip")]
    [InlineData("state.json", "truncate")]
    [InlineData("manifest.json", "garbage")]
    public void DamagedCheckpointIsIgnoredAndTheOlderOneIsUsed(string file, string damage)
    {
        SaveEpochs(1);
        CopyFolder(Epoch(1), Epoch(2));
        var path = Path.Combine(Epoch(2), file);
        var bytes = File.ReadAllBytes(path);
        bytes = damage switch
        {
            "truncate" => bytes[..(bytes.Length / 2)],
            "flip" => FlipLastByte(bytes),
            _ => "{\"Format\": 12"u8.ToArray(),
        };
        File.WriteAllBytes(path, bytes);

        var state = Store().TryLoadLatestState(out var loaded);
        Assert.Equal(1, state!.CompletedEpochs);
        Assert.Equal(Epoch(1), loaded);
        Assert.Contains(_log, line => line.StartsWith($"Ignoring training checkpoint '{Epoch(2)}'"));
    }

    [Fact]
    public void CheckpointOfAnotherFormatVersionIsRefused()
    {
        SaveEpochs(1);
        var manifestPath = Path.Combine(Epoch(1), "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["Version"] = 2;
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var error = Assert.Throws<InvalidOperationException>(() => Store().TryLoadLatestState(out _));
        Assert.Contains("format version 2", error.Message);
        Assert.Contains(Epoch(1), error.Message);
    }

    [Fact]
    public void FullDiskGivesAClearErrorAndLeavesThePreviousCheckpointIntact()
    {
        SaveEpochs(1);
        // The optimizer file of epoch 2 goes to /dev/full: every write fails with ENOSPC, as on a full disk.
        Func<string, Stream> fullDisk = path => Path.GetFileName(path) == "optimizer.bin"
            ? new FileStream("/dev/full", FileMode.Open, FileAccess.Write)
            : new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        using var weights = full(new long[] { 2, 3 }, 99f);
        using var best = full(4, 2.5f);
        var error = Assert.Throws<IOException>(() => Store(fullDisk).Save(State(2), [("w", weights)], [("b", best)], stream => stream.Write(new byte[1 << 16])));
        Assert.Contains("epoch 2 could not be written", error.Message);
        Assert.Contains("previous checkpoint, if any, is intact", error.Message);

        Assert.Equal(["epoch-0001"], Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName));
        var state = Store().TryLoadLatestState(out var path);
        Assert.Equal(1, state!.CompletedEpochs);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, Restore(path!, out var optimizer));
        Assert.Equal("optimizer 1", optimizer);
    }

    [Fact]
    public void FolderThatCannotBeCreatedGivesAClearError()
    {
        var fileInTheWay = Path.Combine(_directory, "a-file");
        File.WriteAllText(fileInTheWay, "");
        foreach (var folder in new[] { fileInTheWay, "/sys/lamda-checkpoints" })
        {
            var error = Assert.Throws<IOException>(() => new TrainingCheckpointStore(folder, _log.Add).EnsureFolder());
            Assert.Contains($"CheckpointDirectory '{folder}' cannot be created or written", error.Message);
        }
    }

    [Fact]
    public void InterruptedWriteIsRemovedWithALogLine()
    {
        SaveEpochs(1);
        var stale = Path.Combine(_directory, ".epoch-0002.12345.tmp");
        CopyFolder(Epoch(1), stale);
        Assert.Equal(1, Store().TryLoadLatestState(out _)!.CompletedEpochs);
        Assert.False(Directory.Exists(stale));
        Assert.Contains(_log, line => line.Contains(stale) && line.Contains("interrupted"));
    }

    [Fact]
    public void TensorOfAnotherModelIsRefusedByNameAndNothingIsLoaded()
    {
        using var stream = new MemoryStream();
        using var a = ones(2);
        using var b = ones(3);
        NamedTensorFile.Write(stream, [("a", a), ("b", b)]);
        using var targetA = zeros(2);
        using var targetC = zeros(3);
        stream.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => NamedTensorFile.ReadInto(stream, "x.bin", new Dictionary<string, Tensor> { ["a"] = targetA, ["c"] = targetC }));
        Assert.Contains("'b'", error.Message);
        Assert.Contains("x.bin", error.Message);
        Assert.Equal(0f, targetA.sum().item<float>());
    }

    [Fact]
    public void TensorOfAnotherShapeOrATruncatedFileIsRefusedBeforeAllocating()
    {
        using var stream = new MemoryStream();
        using var a = ones(2, 3);
        NamedTensorFile.Write(stream, [("a", a)]);
        var bytes = stream.ToArray();
        using var wrongShape = zeros(3, 2);
        Assert.Contains("size 2 in dimension 0", Assert.Throws<InvalidDataException>(() =>
            NamedTensorFile.ReadInto(new MemoryStream(bytes), "x.bin", new Dictionary<string, Tensor> { ["a"] = wrongShape })).Message);
        using var target = zeros(2, 3);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() =>
            NamedTensorFile.ReadInto(new MemoryStream(bytes[..^5]), "x.bin", new Dictionary<string, Tensor> { ["a"] = target })).Message);
        Assert.Equal(0f, target.sum().item<float>());
    }

    private static byte[] FlipLastByte(byte[] bytes)
    {
        bytes[^1] ^= 0x40;
        return bytes;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        // A copy named epoch-N claims epoch N in its state and manifest, as a real checkpoint of that epoch would.
        var name = Path.GetFileName(to);
        if (!name.StartsWith("epoch-", StringComparison.Ordinal)) return;
        int epoch = int.Parse(name["epoch-".Length..]);
        var statePath = Path.Combine(to, "state.json");
        var state = JsonNode.Parse(File.ReadAllText(statePath))!;
        state["CompletedEpochs"] = epoch;
        File.WriteAllText(statePath, state.ToJsonString());
        File.WriteAllText(Path.Combine(to, "manifest.json"), RewriteManifest(to, epoch).ToJsonString());
    }

    private static JsonNode RewriteManifest(string folder, int epoch)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json")))!;
        manifest["Epoch"] = epoch;
        foreach (var entry in manifest["Files"]!.AsArray())
        {
            var path = Path.Combine(folder, (string)entry!["Name"]!);
            entry["Bytes"] = new FileInfo(path).Length;
            entry["Sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        }
        return manifest;
    }
}
