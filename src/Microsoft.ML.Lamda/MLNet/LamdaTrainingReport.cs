namespace Microsoft.ML.Lamda;

/// <summary>Training loss and validation metrics of one epoch.</summary>
/// <param name="Epoch">Epoch number, counting from 1.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch.</param>
/// <param name="ValidationMetrics">Validation metrics by name (Accuracy and MacroF1, or Pearson and Spearman); empty without a validation set.</param>
public sealed record LamdaEpochSummary(int Epoch, double TrainingLoss, IReadOnlyDictionary<string, double> ValidationMetrics);

/// <summary>What a fine-tuning run did: the method, what it trained, how each epoch went, and what it cost.</summary>
public sealed class LamdaTrainingReport
{
    /// <summary>Adapter method used.</summary>
    public AdapterMethod Method { get; init; }

    /// <summary>Parameters updated by training (adapters plus the task head).</summary>
    public long TrainableParameters { get; init; }

    /// <summary>All parameters of the adapted model.</summary>
    public long TotalParameters { get; init; }

    /// <summary>Adapter rank of each adapted layer, by the layer's dotted name (empty for full fine-tuning).</summary>
    public IReadOnlyDictionary<string, int> LayerRanks { get; init; } = new Dictionary<string, int>();

    /// <summary>The adapter's own summary (trainable-parameter line and per-layer table).</summary>
    public string AdapterSummary { get; init; } = "";

    /// <summary>Per-epoch loss and validation metrics, in order.</summary>
    public IReadOnlyList<LamdaEpochSummary> Epochs { get; init; } = [];

    /// <summary>The epoch (from 1) whose weights the model holds: the best on validation, or the last without a validation set.</summary>
    public int BestEpoch { get; init; }

    /// <summary>The base peak learning rate used (given, or the method's default for the encoder).</summary>
    public double LearningRate { get; init; }

    /// <summary>
    /// Warnings about the run, also written to the log: for example a training loss that ended no lower than where it
    /// began (the model may predict a constant). Empty when training went as expected.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Training rows skipped because their label was missing.</summary>
    public long SkippedRows { get; init; }

    /// <summary>Wall-clock time of the fit, from reading data to the merged model.</summary>
    public TimeSpan WallTime { get; init; }

    /// <summary>Peak resident host memory of the process in bytes (VmHWM), where the operating system reports it; says nothing about GPU memory.</summary>
    public long? PeakMemoryBytes { get; init; }

    /// <summary>
    /// On a CUDA device: the largest GPU memory in use seen during training (NVML's used memory of the device, sampled
    /// at every progress report and epoch end; it counts libtorch's cached blocks and other processes on that GPU).
    /// Null on CPU or where NVML (libnvidia-ml.so.1) is not available.
    /// </summary>
    public long? PeakGpuMemoryBytes { get; init; }
}
