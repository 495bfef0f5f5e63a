using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Cli;

/// <summary>
/// A model file written by <c>lamda train</c> or <c>lamda similarity train</c>: the LaMDA transformer, with the
/// label's key mapping before it and the predicted label's value mapping after it for classifiers.
/// </summary>
internal sealed class SavedModel : IDisposable
{
    private readonly ITransformer[] _parts;
    private readonly int _lamdaIndex;

    private SavedModel(ITransformer[] parts, int lamdaIndex, DataViewSchema inputSchema)
    {
        _parts = parts;
        _lamdaIndex = lamdaIndex;
        InputSchema = inputSchema;
    }

    /// <summary>The fine-tuned transformer.</summary>
    public LamdaTransformerBase Lamda => (LamdaTransformerBase)_parts[_lamdaIndex];

    /// <summary>The classifier, or null for a sentence-similarity model.</summary>
    public LamdaTextClassificationTransformer? Classifier => Lamda as LamdaTextClassificationTransformer;

    /// <summary>The columns the model was trained on.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>Loads <paramref name="path"/>.</summary>
    public static SavedModel Load(MLContext mlContext, string path)
    {
        if (!File.Exists(path)) throw new CliException($"Model file '{path}' does not exist.");
        var model = mlContext.Model.Load(path, out var inputSchema);
        ITransformer[] parts = model is IEnumerable<ITransformer> chain ? chain.ToArray() : [model];
        int index = Array.FindIndex(parts, p => p is LamdaTransformerBase);
        if (index < 0)
        {
            (model as IDisposable)?.Dispose();
            throw new CliException($"Model file '{path}' holds no LaMDA model; expected a file written by 'lamda train' or 'lamda similarity train'.");
        }
        return new SavedModel(parts, index, inputSchema);
    }

    /// <summary>Scores <paramref name="data"/> for evaluation: labels as keys, predicted labels as keys.</summary>
    public IDataView ScoreForEvaluation(IDataView data) => Apply(data, 0, _lamdaIndex + 1);

    /// <summary>Scores <paramref name="data"/> (which needs no label) for prediction: predicted labels as values.</summary>
    public IDataView Predict(IDataView data) => Apply(data, _lamdaIndex, _parts.Length);

    private IDataView Apply(IDataView data, int from, int to)
    {
        for (int i = from; i < to; i++) data = _parts[i].Transform(data);
        return data;
    }

    /// <summary>Frees the native model.</summary>
    public void Dispose() => Lamda.Dispose();
}
