using System.Text.Json;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Training;

/// <summary>Progress of a run after a completed epoch: what resuming needs besides the tensors.</summary>
internal sealed class TrainingProgressState
{
    /// <summary>Settings that must match for a resume (model, method, rank, data size, epochs, ...).</summary>
    public string Fingerprint { get; set; } = "";

    /// <summary>Epochs completed.</summary>
    public int CompletedEpochs { get; set; }

    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; set; }

    /// <summary>Best validation metric so far (null without validation).</summary>
    public double? BestMetric { get; set; }

    /// <summary>Epoch (from 1) of the best metric, or the last epoch without validation.</summary>
    public int BestEpoch { get; set; }

    /// <summary>Epochs since the best metric last improved.</summary>
    public int EpochsWithoutImprovement { get; set; }

    /// <summary>Per-epoch loss and metrics so far.</summary>
    public List<EpochRecord> History { get; set; } = [];
}

/// <summary>One epoch's loss and validation metrics (serializable form of <see cref="LamdaEpochSummary"/>).</summary>
internal sealed class EpochRecord
{
    /// <summary>Epoch number from 1.</summary>
    public int Epoch { get; set; }

    /// <summary>Mean training loss.</summary>
    public double Loss { get; set; }

    /// <summary>Validation metrics by name.</summary>
    public Dictionary<string, double> Metrics { get; set; } = [];
}

/// <summary>
/// Training checkpoints in a folder: after each epoch, the trainable state, the best epoch's weights, the optimizer
/// state and the progress go to <c>epoch-NNNN/</c>, written under a temporary name and then renamed, so that a
/// crash never leaves a half-written checkpoint behind. Older checkpoints are removed once a newer one is complete.
/// </summary>
internal sealed class TrainingCheckpointStore(string directory)
{
    private const string StateFile = "state.json";
    private const string ParametersFile = "parameters.bin";
    private const string BestParametersFile = "best-parameters.bin";
    private const string OptimizerFile = "optimizer.bin";

    /// <summary>Writes the checkpoint of the epoch just completed.</summary>
    public void Save(TrainingProgressState state, IReadOnlyList<(string Name, Tensor Tensor)> parameters,
        IReadOnlyList<(string Name, Tensor Tensor)> bestParameters, Action<string> saveOptimizer)
    {
        Directory.CreateDirectory(directory);
        var final = Path.Combine(directory, $"epoch-{state.CompletedEpochs:D4}");
        var pending = Path.Combine(directory, $".epoch-{state.CompletedEpochs:D4}.{Environment.ProcessId}.tmp");
        if (Directory.Exists(pending)) Directory.Delete(pending, recursive: true);
        Directory.CreateDirectory(pending);
        NamedTensorFile.Write(Path.Combine(pending, ParametersFile), parameters);
        NamedTensorFile.Write(Path.Combine(pending, BestParametersFile), bestParameters);
        saveOptimizer(Path.Combine(pending, OptimizerFile));
        File.WriteAllText(Path.Combine(pending, StateFile), JsonSerializer.Serialize(state));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(pending, final);
        foreach (var older in CompletedCheckpoints().Where(c => c.Epoch < state.CompletedEpochs))
            Directory.Delete(older.Path, recursive: true);
    }

    /// <summary>Reads the progress of the latest complete checkpoint, or null when the folder holds none.</summary>
    public TrainingProgressState? TryLoadLatestState(out string? checkpointPath)
    {
        checkpointPath = CompletedCheckpoints().OrderByDescending(c => c.Epoch).Select(c => c.Path).FirstOrDefault();
        if (checkpointPath is null) return null;
        var file = Path.Combine(checkpointPath, StateFile);
        return JsonSerializer.Deserialize<TrainingProgressState>(File.ReadAllText(file))
            ?? throw new InvalidDataException($"Training checkpoint '{file}' is empty.");
    }

    /// <summary>Restores the tensors of the checkpoint at <paramref name="checkpointPath"/>.</summary>
    public static void LoadTensors(string checkpointPath, IReadOnlyDictionary<string, Tensor> parameters,
        IReadOnlyDictionary<string, Tensor> bestParameters, Action<string> loadOptimizer)
    {
        NamedTensorFile.ReadInto(Path.Combine(checkpointPath, ParametersFile), parameters);
        NamedTensorFile.ReadInto(Path.Combine(checkpointPath, BestParametersFile), bestParameters);
        loadOptimizer(Path.Combine(checkpointPath, OptimizerFile));
    }

    private IEnumerable<(int Epoch, string Path)> CompletedCheckpoints()
    {
        if (!Directory.Exists(directory)) yield break;
        foreach (var path in Directory.EnumerateDirectories(directory, "epoch-*"))
        {
            if (int.TryParse(Path.GetFileName(path).AsSpan("epoch-".Length), out int epoch) && File.Exists(Path.Combine(path, StateFile)))
                yield return (epoch, path);
        }
    }
}
