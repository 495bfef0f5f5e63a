using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lamda;

/// <summary>
/// Fine-tunes a pretrained transformer encoder to classify text (one sentence or a pair) with LaMDA, LaMDA++,
/// LoRA or full fine-tuning. The label must be a key (classes = the key's count); the transformer adds
/// <c>PredictedLabel</c> (a key with the label's values) and <c>Score</c> (class probabilities).
/// Create it with <c>mlContext.MulticlassClassification.Trainers.Lamda(...)</c>.
/// </summary>
public sealed class LamdaTextClassificationTrainer : IEstimator<LamdaTextClassificationTransformer>
{
    /// <summary>Settings of <see cref="LamdaTextClassificationTrainer"/>.</summary>
    public sealed class Options : LamdaTrainerOptions
    {
        /// <summary>Output column of the predicted class (a key). Default <c>PredictedLabel</c>.</summary>
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

        internal override void Validate()
        {
            base.Validate();
            if (string.IsNullOrWhiteSpace(PredictedLabelColumnName))
                throw new ArgumentException($"{nameof(PredictedLabelColumnName)} must not be empty.", nameof(PredictedLabelColumnName));
        }
    }

    private readonly IHost _host;
    private readonly Options _options;

    internal LamdaTextClassificationTrainer(IHostEnvironment env, Options options)
    {
        _host = Contracts.CheckRef(env, nameof(env)).Register(nameof(LamdaTextClassificationTrainer));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>Trains on <paramref name="input"/> and returns the transformer holding the merged model.</summary>
    public LamdaTextClassificationTransformer Fit(IDataView input)
    {
        _host.CheckValue(input, nameof(input));
        _options.Validate();
        CheckColumns(input.Schema, _options);
        InputSchemaChecks.CheckHasRows(input, "training data", nameof(input));
        int classes = InputSchemaChecks.CheckKeyLabel(input.Schema, _options.LabelColumnName);
        if (_options.ValidationSet is { } validation)
        {
            InputSchemaChecks.CheckSameLabelKeys(input.Schema, validation.Schema, _options.LabelColumnName);
            InputSchemaChecks.CheckSameColumns(input.Schema, validation.Schema, ColumnsUsed(_options));
            InputSchemaChecks.CheckHasRows(validation, "validation set", nameof(_options.ValidationSet));
        }

        var labelAnnotations = new DataViewSchema.Annotations.Builder();
        labelAnnotations.Add(input.Schema[_options.LabelColumnName].Annotations, name => name == AnnotationUtils.Kinds.KeyValues);
        var (scorer, report) = LamdaFitter.Fit(_host, _options, input, new ClassificationObjective(classes));
        return new LamdaTextClassificationTransformer(_host, scorer, _options.Sentence1ColumnName, _options.Sentence2ColumnName,
            _options.ScoreColumnName, _options.PredictedLabelColumnName, _options.LabelColumnName, labelAnnotations.ToAnnotations(), report);
    }

    /// <summary>The input schema with <c>Score</c> and <c>PredictedLabel</c> added.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        _host.CheckValue(inputSchema, nameof(inputSchema));
        InputSchemaChecks.CheckText(inputSchema, _options.Sentence1ColumnName, "sentence 1");
        if (_options.Sentence2ColumnName is not null) InputSchemaChecks.CheckText(inputSchema, _options.Sentence2ColumnName, "sentence 2");
        var label = InputSchemaChecks.CheckKeyLabel(inputSchema, _options.LabelColumnName);

        var columns = inputSchema.ToDictionary(c => c.Name);
        var predictedLabelAnnotations = new SchemaShape(label.Annotations.Where(a => a.Name == AnnotationUtils.Kinds.KeyValues)
            .Concat(AnnotationUtils.GetTrainerOutputAnnotation()));
        columns[_options.ScoreColumnName] = new SchemaShape.Column(_options.ScoreColumnName, SchemaShape.Column.VectorKind.Vector,
            NumberDataViewType.Single, false, new SchemaShape(AnnotationUtils.AnnotationsForMulticlassScoreColumn(label)));
        columns[_options.PredictedLabelColumnName] = new SchemaShape.Column(_options.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar,
            NumberDataViewType.UInt32, true, predictedLabelAnnotations);
        return new SchemaShape(columns.Values);
    }

    internal static void CheckColumns(DataViewSchema schema, LamdaTrainerOptions options)
    {
        InputSchemaChecks.CheckText(schema, options.Sentence1ColumnName, "sentence 1");
        if (options.Sentence2ColumnName is not null) InputSchemaChecks.CheckText(schema, options.Sentence2ColumnName, "sentence 2");
    }

    internal static IEnumerable<string> ColumnsUsed(LamdaTrainerOptions options) =>
        new[] { options.Sentence1ColumnName, options.Sentence2ColumnName, options.LabelColumnName }.OfType<string>();
}
