using Microsoft.ML.Lamda.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Training;

public sealed class TrainingCheckpointStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LatestCompleteCheckpointRoundTripsAndOlderOnesAreRemoved()
    {
        var store = new TrainingCheckpointStore(_directory);
        using var weights = arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var best = full(4, 2.5f);
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            weights.add_(1);
            store.Save(new TrainingProgressState { Fingerprint = "f", CompletedEpochs = epoch, Step = 10 * epoch, BestEpoch = epoch },
                [("w", weights)], [("b", best)], path => File.WriteAllText(path, $"optimizer {epoch}"));
        }
        // A half-written checkpoint (no state file) is ignored.
        Directory.CreateDirectory(Path.Combine(_directory, "epoch-0003"));

        var state = store.TryLoadLatestState(out var path);
        Assert.NotNull(state);
        Assert.Equal(2, state.CompletedEpochs);
        Assert.Equal(20, state.Step);
        Assert.Equal(["epoch-0002", "epoch-0003"], Directory.GetDirectories(_directory).Select(Path.GetFileName).Order());

        using var restored = zeros(2, 3);
        using var restoredBest = zeros(4);
        string? optimizer = null;
        TrainingCheckpointStore.LoadTensors(path!, new Dictionary<string, Tensor> { ["w"] = restored }, new Dictionary<string, Tensor> { ["b"] = restoredBest },
            p => optimizer = File.ReadAllText(p));
        Assert.True(restored.allclose(weights, rtol: 0, atol: 0));
        Assert.True(restoredBest.allclose(best, rtol: 0, atol: 0));
        Assert.Equal("optimizer 2", optimizer);
    }

    [Fact]
    public void EmptyFolderHasNoCheckpoint()
    {
        Assert.Null(new TrainingCheckpointStore(Path.Combine(_directory, "missing")).TryLoadLatestState(out var path));
        Assert.Null(path);
    }

    [Fact]
    public void TensorOfAnotherModelIsRefusedByName()
    {
        var file = Path.Combine(_directory, "tensors.bin");
        using var a = ones(2);
        NamedTensorFile.Write(file, [("a", a)]);
        using var target = zeros(2);
        var error = Assert.Throws<InvalidDataException>(() => NamedTensorFile.ReadInto(file, new Dictionary<string, Tensor> { ["b"] = target }));
        Assert.Contains("'a'", error.Message);
    }
}
