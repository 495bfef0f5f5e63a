using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lamda;

/// <summary>
/// What the LaMDA transformers share: the merged fine-tuned model, lazy batched scoring of text columns, model
/// save/load through ML.NET's model files, the training report, and disposal of the native model.
/// </summary>
public abstract class LamdaTransformerBase : RowToRowTransformerBase, ITransformer, IDisposable
{
    private const string ModelStreamName = "LamdaModel";
    private const string ReportStreamName = "TrainingReport";

    private protected LamdaTransformerBase(IHost host, TextScorer scorer, string sentence1ColumnName, string? sentence2ColumnName,
        string scoreColumnName, LamdaTrainingReport report)
        : base(host)
    {
        Scorer = scorer;
        Sentence1ColumnName = sentence1ColumnName;
        Sentence2ColumnName = sentence2ColumnName;
        ScoreColumnName = scoreColumnName;
        TrainingReport = report;
    }

    /// <summary>Text column of the first sentence.</summary>
    public string Sentence1ColumnName { get; }

    /// <summary>Text column of the second sentence, or null for single sentences.</summary>
    public string? Sentence2ColumnName { get; }

    /// <summary>Output column of scores.</summary>
    public string ScoreColumnName { get; }

    /// <summary>How the model was trained (also after loading a saved model).</summary>
    public LamdaTrainingReport TrainingReport { get; }

    internal TextScorer Scorer { get; }

    /// <summary>
    /// Adds the output columns to <paramref name="input"/>, lazily: rows are scored when read, a batch of rows per
    /// forward pass.
    /// </summary>
    public new IDataView Transform(IDataView input)
    {
        ThrowIfDisposed();
        Host.CheckValue(input, nameof(input));
        return new SingleCursorDataView(new RowToRowMapperTransform(Host, input, new LamdaRowMapper(this, input.Schema, input), MakeRowMapper));
    }

    IDataView ITransformer.Transform(IDataView input) => Transform(input);

    /// <inheritdoc/>
    public override IRowMapper MakeRowMapper(DataViewSchema schema)
    {
        ThrowIfDisposed();
        return new LamdaRowMapper(this, schema, lookaheadSource: null);
    }

    /// <summary>Frees the native model. Using the transformer afterwards throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        Scorer.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws when the input lacks a sentence column or it is not text.</summary>
    internal void CheckInputSchema(DataViewSchema schema)
    {
        InputSchemaChecks.CheckText(schema, Sentence1ColumnName, "sentence 1");
        if (Sentence2ColumnName is not null) InputSchemaChecks.CheckText(schema, Sentence2ColumnName, "sentence 2");
    }

    /// <summary>The output columns (with their annotations) for <paramref name="inputSchema"/>.</summary>
    internal abstract DataViewSchema.DetachedColumn[] GetOutputColumns(DataViewSchema inputSchema);

    /// <summary>The getter of output column <paramref name="index"/>, reading <paramref name="predictions"/>.</summary>
    internal abstract Delegate MakeOutputGetter(int index, RowPredictions predictions);

    /// <inheritdoc/>
    public override void SaveModel(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        Host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.SaveNonEmptyString(Sentence1ColumnName);
        ctx.SaveStringOrNull(Sentence2ColumnName);
        ctx.SaveNonEmptyString(ScoreColumnName);
        ctx.SaveBinaryStream(ModelStreamName, Scorer.Write);
        ctx.SaveBinaryStream(ReportStreamName, writer => writer.Write(JsonSerializer.Serialize(TrainingReport)));
        SaveTaskModel(ctx);
    }

    /// <summary>Version of the saved format, with the loader's signature.</summary>
    private protected abstract VersionInfo GetVersionInfo();

    /// <summary>Saves what only this task has (after the shared part).</summary>
    private protected abstract void SaveTaskModel(ModelSaveContext ctx);

    /// <summary>What <see cref="SaveModel"/> wrote in the shared part, read back.</summary>
    private protected sealed record SavedParts(TextScorer Scorer, string Sentence1ColumnName, string? Sentence2ColumnName, string ScoreColumnName, LamdaTrainingReport Report);

    /// <summary>Reads the shared part of a saved model.</summary>
    private protected static SavedParts LoadSharedParts(IHostEnvironment env, ModelLoadContext ctx)
    {
        var sentence1 = ctx.LoadNonEmptyString();
        var sentence2 = ctx.LoadStringOrNull();
        var score = ctx.LoadNonEmptyString();
        TextScorer? scorer = null;
        using var channel = env.Start("Load LaMDA model");
        if (!ctx.TryLoadBinaryStream(ModelStreamName, reader => scorer = TextScorer.Read(reader, "auto", channel.Info)))
            throw env.ExceptDecode($"The model file lacks the '{ModelStreamName}' stream of a LaMDA transformer.");
        LamdaTrainingReport report = new();
        if (!ctx.TryLoadBinaryStream(ReportStreamName, reader => report = JsonSerializer.Deserialize<LamdaTrainingReport>(reader.ReadString()) ?? new()))
            throw env.ExceptDecode($"The model file lacks the '{ReportStreamName}' stream of a LaMDA transformer.");
        return new SavedParts(scorer!, sentence1, sentence2, score, report);
    }

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Scorer.IsDisposed, this);
}
