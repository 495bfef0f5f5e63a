using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>Test-set figures of one model.</summary>
/// <param name="Name">What the model is.</param>
/// <param name="Metrics">ML.NET's multiclass metrics on the test rows.</param>
/// <param name="ClassNames">Class names in the label key's order (the confusion matrix's order).</param>
/// <param name="TrainingTime">Wall-clock time of the fit.</param>
/// <param name="TrainableParameters">Parameters the fit updated, where known.</param>
public sealed record ModelScores(string Name, MulticlassClassificationMetrics Metrics, IReadOnlyList<string> ClassNames,
    TimeSpan TrainingTime, long? TrainableParameters)
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="test"/> (label column <c>Label</c>, a key).</summary>
    public static ModelScores Evaluate(MLContext mlContext, string name, ITransformer model, IDataView test, TimeSpan trainingTime, long? trainableParameters)
    {
        var scored = model.Transform(test);
        var metrics = mlContext.MulticlassClassification.Evaluate(scored, labelColumnName: "Label");
        VBuffer<ReadOnlyMemory<char>> keys = default;
        scored.Schema["Label"].GetKeyValues(ref keys);
        return new ModelScores(name, metrics, keys.DenseValues().Select(k => k.ToString()).ToList(), trainingTime, trainableParameters);
    }
}
