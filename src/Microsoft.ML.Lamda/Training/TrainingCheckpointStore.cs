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
/// state and the progress go to <c>epoch-NNNN/</c>. They are written under a temporary name, flushed to disk, described
/// by a <c>manifest.json</c> (format version, SHA-256 of every file) written last, and only then renamed, so a crash or
/// a full disk never leaves a checkpoint that looks complete. Reading verifies the manifest: a damaged or half-written
/// checkpoint is ignored with a log line (an older complete one is used if any), one of another format version is
/// refused. Older checkpoints are removed once a newer one is complete.
/// </summary>
internal sealed class TrainingCheckpointStore(string directory, Action<string> log, Func<string, Stream>? createFile = null)
{
    private const string StateFile = "state.json";
    private const string ParametersFile = "parameters.bin";
    private const string BestParametersFile = "best-parameters.bin";
    private const string OptimizerFile = "optimizer.bin";
    private const string EpochPrefix = "epoch-";
    private static readonly string[] DataFiles = [ParametersFile, BestParametersFile, OptimizerFile, StateFile];

    /// <summary>
    /// Crash-safety tests only: called with the epoch and a stage (a file name once it is written, then "renamed"),
    /// so that a test process can be killed at an exact point of the write.
    /// </summary>
    internal static Action<int, string>? StageReached { get; set; }

    /// <summary>Creates the folder, so that a path that cannot hold checkpoints fails before training rather than after an epoch.</summary>
    /// <exception cref="IOException">The folder cannot be created (a file is in the way, or the file system is read-only).</exception>
    public void EnsureFolder()
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"CheckpointDirectory '{directory}' cannot be created or written: {e.Message}", e);
        }
    }

    /// <summary>Writes the checkpoint of the epoch just completed; on failure the previous checkpoint stays as it was.</summary>
    /// <exception cref="IOException">The checkpoint could not be written (full disk, read-only folder, ...); the message says which and where.</exception>
    public void Save(TrainingProgressState state, IReadOnlyList<(string Name, Tensor Tensor)> parameters,
        IReadOnlyList<(string Name, Tensor Tensor)> bestParameters, Action<Stream> saveOptimizer)
    {
        var final = Path.Combine(directory, $"{EpochPrefix}{state.CompletedEpochs:D4}");
        var pending = Path.Combine(directory, $".{EpochPrefix}{state.CompletedEpochs:D4}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            if (Directory.Exists(pending)) Directory.Delete(pending, recursive: true);
            Directory.CreateDirectory(pending);
            WriteFile(pending, ParametersFile, stream => NamedTensorFile.Write(stream, parameters));
            WriteFile(pending, BestParametersFile, stream => NamedTensorFile.Write(stream, bestParameters));
            WriteFile(pending, OptimizerFile, saveOptimizer);
            WriteFile(pending, StateFile, stream => JsonSerializer.Serialize(stream, state));
            var manifest = CheckpointManifest.Describe(pending, state.CompletedEpochs, DataFiles);
            WriteFile(pending, CheckpointManifest.FileName, stream => JsonSerializer.Serialize(stream, manifest));
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
            Directory.Move(pending, final);
            StageReached?.Invoke(state.CompletedEpochs, "renamed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(pending);
            throw new IOException($"The training checkpoint of epoch {state.CompletedEpochs} could not be written to '{directory}': {e.Message} "
                + "The previous checkpoint, if any, is intact; free space or make the folder writable, then fit again to resume.", e);
        }
        foreach (var (epoch, path) in EpochFolders().Where(c => c.Epoch < state.CompletedEpochs))
            TryDelete(path);
    }

    /// <summary>
    /// Reads the progress of the latest complete and intact checkpoint, or null when the folder holds none. Damaged or
    /// half-written checkpoints are skipped with a log line.
    /// </summary>
    /// <exception cref="InvalidOperationException">The latest checkpoint is of another format version.</exception>
    public TrainingProgressState? TryLoadLatestState(out string? checkpointPath)
    {
        checkpointPath = null;
        if (!Directory.Exists(directory)) return null;
        foreach (var stale in Directory.EnumerateDirectories(directory, $".{EpochPrefix}*.tmp"))
        {
            log($"Removing '{stale}': a checkpoint whose writing was interrupted.");
            TryDelete(stale);
        }
        foreach (var (epoch, path) in EpochFolders().OrderByDescending(c => c.Epoch))
        {
            var manifest = CheckpointManifest.TryRead(path, out var problem);
            if (manifest is not null && manifest.Version != CheckpointManifest.CurrentVersion)
                throw new InvalidOperationException($"CheckpointDirectory '{directory}' holds '{path}', a training checkpoint of format version {manifest.Version}; this library reads version {CheckpointManifest.CurrentVersion}. Use an empty folder, or the library version that wrote it.");
            problem ??= manifest!.Epoch != epoch ? $"its manifest is of epoch {manifest.Epoch}"
                : DataFiles.FirstOrDefault(f => !manifest.Files.Any(e => e.Name == f)) is { } absent ? $"its manifest does not list '{absent}'"
                : manifest.Verify(path);
            TrainingProgressState? state = null;
            if (problem is null)
            {
                try
                {
                    state = JsonSerializer.Deserialize<TrainingProgressState>(File.ReadAllBytes(Path.Combine(path, StateFile)));
                    if (state is null || state.CompletedEpochs != epoch || state.Step < 0 || state.History is null) problem = $"its {StateFile} does not describe epoch {epoch}";
                }
                catch (JsonException e)
                {
                    problem = $"its {StateFile} is not valid ({e.Message})";
                }
            }
            if (problem is not null)
            {
                log($"Ignoring training checkpoint '{path}': {problem}.");
                continue;
            }
            checkpointPath = path;
            return state;
        }
        return null;
    }

    /// <summary>Restores the tensors of the checkpoint at <paramref name="checkpointPath"/> (verified by <see cref="TryLoadLatestState"/>).</summary>
    public static void LoadTensors(string checkpointPath, IReadOnlyDictionary<string, Tensor> parameters,
        IReadOnlyDictionary<string, Tensor> bestParameters, Action<Stream> loadOptimizer)
    {
        ReadFile(checkpointPath, ParametersFile, (stream, file) => NamedTensorFile.ReadInto(stream, file, parameters));
        ReadFile(checkpointPath, BestParametersFile, (stream, file) => NamedTensorFile.ReadInto(stream, file, bestParameters));
        ReadFile(checkpointPath, OptimizerFile, (stream, file) =>
        {
            try
            {
                loadOptimizer(stream);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"Training checkpoint file '{file}': {e.Message}", e);
            }
        });
    }

    private void WriteFile(string folder, string name, Action<Stream> write)
    {
        var path = Path.Combine(folder, name);
        using var stream = createFile?.Invoke(path) ?? new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        write(stream);
        if (stream is FileStream file) file.Flush(flushToDisk: true);
        else stream.Flush();
        if (StageReached is { } stage && Path.GetFileName(folder) is { } pending)
            stage(int.Parse(pending.Split('.')[1]["epoch-".Length..], System.Globalization.CultureInfo.InvariantCulture), name);
    }

    private static void ReadFile(string folder, string name, Action<Stream, string> read)
    {
        var path = Path.Combine(folder, name);
        using var stream = File.OpenRead(path);
        read(stream, path);
    }

    private void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"Could not remove '{path}': {e.Message}");
        }
    }

    private IEnumerable<(int Epoch, string Path)> EpochFolders()
    {
        if (!Directory.Exists(directory)) yield break;
        foreach (var path in Directory.EnumerateDirectories(directory, EpochPrefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(path).AsSpan(EpochPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int epoch))
                yield return (epoch, path);
        }
    }
}
