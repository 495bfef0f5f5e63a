using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Training;

/// <summary>Metrics of one validation pass: the one that picks the best epoch, and all of them by name.</summary>
internal sealed record ValidationResult(string PrimaryName, double Primary, IReadOnlyDictionary<string, double> All);

/// <summary>What a task trains for: how many outputs the head has, the loss, and the validation metrics.</summary>
internal abstract class TrainingObjective
{
    /// <summary>Number of outputs of the task head (classes, or 1 for a regression score).</summary>
    public abstract int OutputCount { get; }

    /// <summary>Loss of a batch; <paramref name="labels"/> is float32 [batch].</summary>
    public abstract Tensor Loss(Tensor logits, Tensor labels);

    /// <summary>Validation metrics from the model outputs (one row of <see cref="OutputCount"/> values per example) and labels.</summary>
    public abstract ValidationResult Evaluate(IReadOnlyList<float[]> outputs, IReadOnlyList<float> labels);
}

/// <summary>Multiclass classification: cross-entropy; validation accuracy (primary) and macro-F1.</summary>
internal sealed class ClassificationObjective(int classCount) : TrainingObjective
{
    /// <inheritdoc/>
    public override int OutputCount => classCount;

    /// <inheritdoc/>
    public override Tensor Loss(Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits.to_type(ScalarType.Float32), labels.to_type(ScalarType.Int64));

    /// <inheritdoc/>
    public override ValidationResult Evaluate(IReadOnlyList<float[]> outputs, IReadOnlyList<float> labels)
    {
        var predicted = outputs.Select(ArgMax).ToArray();
        var truth = labels.Select(l => (int)l).ToArray();
        double accuracy = EvaluationMetrics.Accuracy(predicted, truth);
        double macroF1 = EvaluationMetrics.MacroF1(predicted, truth, classCount);
        return new ValidationResult("Accuracy", accuracy, new Dictionary<string, double> { ["Accuracy"] = accuracy, ["MacroF1"] = macroF1 });
    }

    /// <summary>Index of the largest value (the first one on ties).</summary>
    public static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}

/// <summary>Sentence similarity as regression: mean squared error; validation Pearson (primary) and Spearman.</summary>
internal sealed class SimilarityObjective : TrainingObjective
{
    /// <inheritdoc/>
    public override int OutputCount => 1;

    /// <inheritdoc/>
    public override Tensor Loss(Tensor logits, Tensor labels) =>
        nn.functional.mse_loss(logits.to_type(ScalarType.Float32).select(1, 0), labels.to_type(ScalarType.Float32));

    /// <inheritdoc/>
    public override ValidationResult Evaluate(IReadOnlyList<float[]> outputs, IReadOnlyList<float> labels)
    {
        var predicted = outputs.Select(o => (double)o[0]).ToArray();
        var truth = labels.Select(l => (double)l).ToArray();
        double pearson = EvaluationMetrics.Pearson(predicted, truth);
        double spearman = EvaluationMetrics.Spearman(predicted, truth);
        return new ValidationResult("Pearson", pearson, new Dictionary<string, double> { ["Pearson"] = pearson, ["Spearman"] = spearman });
    }
}
