namespace Microsoft.ML.Lamda;

/// <summary>
/// One progress report of a LaMDA fine-tuning run, sent to <see cref="LamdaTrainerOptions.Progress"/> (the same
/// figures go to <c>MLContext.Log</c>): during an epoch every few optimizer steps, and once after each epoch
/// with the validation metric.
/// </summary>
public sealed class LamdaTrainingProgress
{
    /// <summary>Epoch being trained, counting from 1.</summary>
    public int Epoch { get; init; }

    /// <summary>Number of epochs the run trains at most.</summary>
    public int TotalEpochs { get; init; }

    /// <summary>Optimizer steps taken so far, over all epochs.</summary>
    public long Step { get; init; }

    /// <summary>Optimizer steps of the whole run.</summary>
    public long TotalSteps { get; init; }

    /// <summary>Mean training loss of the current epoch so far.</summary>
    public double Loss { get; init; }

    /// <summary>Learning rate of the last optimizer step.</summary>
    public double LearningRate { get; init; }

    /// <summary>Training throughput of this run, in rows per second.</summary>
    public double RowsPerSecond { get; init; }

    /// <summary>Estimated time until the last epoch ends.</summary>
    public TimeSpan EstimatedTimeRemaining { get; init; }

    /// <summary>True for the report sent once an epoch (and its validation) has ended.</summary>
    public bool IsEpochEnd { get; init; }

    /// <summary>Name of the validation metric (Accuracy, or Pearson for sentence similarity); null before validation.</summary>
    public string? ValidationMetricName { get; init; }

    /// <summary>The epoch's validation metric; null during the epoch or when there is no validation set.</summary>
    public double? ValidationMetric { get; init; }

    /// <summary>A one-line summary, as written to the log.</summary>
    public override string ToString()
    {
        var text = $"epoch {Epoch}/{TotalEpochs} step {Step}/{TotalSteps} loss {Loss:F4} lr {LearningRate:G3} {RowsPerSecond:F1} rows/s ETA {EstimatedTimeRemaining:hh\\:mm\\:ss}";
        return ValidationMetric is double metric ? $"{text} validation {ValidationMetricName} {metric:F4}" : text;
    }
}
