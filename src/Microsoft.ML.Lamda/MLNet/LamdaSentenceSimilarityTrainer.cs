using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lamda;

/// <summary>
/// Fine-tunes a pretrained transformer encoder to score the similarity of sentence pairs (regression on a
/// <see cref="float"/> label, e.g. 0 to 5) with LaMDA, LaMDA++, LoRA or full fine-tuning. The transformer adds
/// <c>Score</c> (a <see cref="float"/>). Create it with <c>mlContext.Regression.Trainers.LamdaSentenceSimilarity(...)</c>.
/// </summary>
public sealed class LamdaSentenceSimilarityTrainer : IEstimator<LamdaSentenceSimilarityTransformer>
{
    /// <summary>Settings of <see cref="LamdaSentenceSimilarityTrainer"/>.</summary>
    public sealed class Options : LamdaTrainerOptions
    {
        /// <summary>Text column of the second sentence. Default <c>Sentence2</c>.</summary>
        public override string? Sentence2ColumnName { get; set; } = "Sentence2";

        internal override void Validate()
        {
            base.Validate();
            if (string.IsNullOrWhiteSpace(Sentence2ColumnName))
                throw new ArgumentException($"{nameof(Sentence2ColumnName)} is required: sentence similarity scores pairs of sentences.", nameof(Sentence2ColumnName));
        }
    }

    private readonly IHost _host;
    private readonly Options _options;

    internal LamdaSentenceSimilarityTrainer(IHostEnvironment env, Options options)
    {
        _host = Contracts.CheckRef(env, nameof(env)).Register(nameof(LamdaSentenceSimilarityTrainer));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <summary>Trains on <paramref name="input"/> and returns the transformer holding the merged model.</summary>
    public LamdaSentenceSimilarityTransformer Fit(IDataView input)
    {
        _host.CheckValue(input, nameof(input));
        _options.Validate();
        LamdaTextClassificationTrainer.CheckColumns(input.Schema, _options);
        InputSchemaChecks.CheckHasRows(input, "training data", nameof(input));
        InputSchemaChecks.CheckSingleLabel(input.Schema, _options.LabelColumnName);
        if (_options.ValidationSet is { } validation)
        {
            InputSchemaChecks.CheckSameColumns(input.Schema, validation.Schema, LamdaTextClassificationTrainer.ColumnsUsed(_options));
            InputSchemaChecks.CheckHasRows(validation, "validation set", nameof(_options.ValidationSet));
        }

        var (scorer, report) = LamdaFitter.Fit(_host, _options, input, new SimilarityObjective());
        return new LamdaSentenceSimilarityTransformer(_host, scorer, _options.Sentence1ColumnName, _options.Sentence2ColumnName!, _options.ScoreColumnName, report);
    }

    /// <summary>The input schema with <c>Score</c> added.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        _host.CheckValue(inputSchema, nameof(inputSchema));
        InputSchemaChecks.CheckText(inputSchema, _options.Sentence1ColumnName, "sentence 1");
        InputSchemaChecks.CheckText(inputSchema, _options.Sentence2ColumnName!, "sentence 2");
        InputSchemaChecks.CheckSingleLabel(inputSchema, _options.LabelColumnName);
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[_options.ScoreColumnName] = new SchemaShape.Column(_options.ScoreColumnName, SchemaShape.Column.VectorKind.Scalar,
            NumberDataViewType.Single, false, new SchemaShape(AnnotationUtils.GetTrainerOutputAnnotation()));
        return new SchemaShape(columns.Values);
    }
}
