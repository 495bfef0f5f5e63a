using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Export;
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

    /// <summary>
    /// Writes the merged model (encoder and task head) as one ONNX graph (opset 17, float32 weights) that runs without
    /// this library or libtorch: inputs <c>input_ids</c>, <c>attention_mask</c> (and <c>token_type_ids</c> where the
    /// family uses them), int64 [batch, sequence] with dynamic axes; outputs <c>logits</c> and, for classification,
    /// <c>probabilities</c> (what <c>Score</c> holds). Beside it: the tokenizer files and <c>PATH.json</c>, which says
    /// how to tokenize (family, maximum length, templates) and names the labels.
    /// </summary>
    /// <param name="path">The .onnx file to write (its folder is created when missing).</param>
    /// <exception cref="IOException">A file to write exists and is not empty, or the folder cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The transformer is disposed.</exception>
    public void ExportToOnnx(string path) => ExportToOnnx(path, null);

    /// <summary>As <see cref="ExportToOnnx(string)"/>, with overwriting and float16 weights chosen by <paramref name="options"/>.</summary>
    /// <exception cref="IOException">A file to write exists and is not empty (and <see cref="ModelExportOptions.Overwrite"/> is false), or the folder cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The transformer is disposed.</exception>
    public void ExportToOnnx(string path, ModelExportOptions? options)
    {
        ThrowIfDisposed();
        Scorer.Export(ExportLabels(), Sentence2ColumnName is not null, source => ModelExporter.ToOnnx(source, path, options));
    }

    /// <summary>
    /// Writes a Hugging Face model folder that transformers' <c>*ForSequenceClassification</c> (and
    /// <c>SequenceClassificationModel.FromPretrained</c>) loads: <c>config.json</c> with <c>id2label</c>/<c>label2id</c> from
    /// the label's key values, <c>architectures</c>, <c>num_labels</c> and <c>problem_type</c>; float32
    /// <c>model.safetensors</c> with the merged weights; and the tokenizer files.
    /// </summary>
    /// <param name="directory">The folder to write; it must not exist or be empty.</param>
    /// <exception cref="IOException">The folder exists and is not empty, or cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The transformer is disposed.</exception>
    public void ExportToHuggingFace(string directory) => ExportToHuggingFace(directory, null);

    /// <summary>As <see cref="ExportToHuggingFace(string)"/>, replacing a non-empty folder when <paramref name="options"/> says so.</summary>
    /// <exception cref="IOException">The folder exists and is not empty (and <see cref="ModelExportOptions.Overwrite"/> is false), or cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The transformer is disposed.</exception>
    public void ExportToHuggingFace(string directory, ModelExportOptions? options)
    {
        ThrowIfDisposed();
        Scorer.Export(ExportLabels(), Sentence2ColumnName is not null, source => ModelExporter.ToHuggingFace(source, directory, options));
    }

    /// <summary>The names of the model's outputs, written into exported models.</summary>
    private protected virtual IReadOnlyList<string> ExportLabels() => Scorer.ConfigLabels;

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
        try
        {
            LamdaTrainingReport report = new();
            if (!ctx.TryLoadBinaryStream(ReportStreamName, reader => report = JsonSerializer.Deserialize<LamdaTrainingReport>(reader.ReadString()) ?? new()))
                throw env.ExceptDecode($"The model file lacks the '{ReportStreamName}' stream of a LaMDA transformer.");
            return new SavedParts(scorer!, sentence1, sentence2, score, report);
        }
        catch
        {
            scorer!.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="error"/>, raised while reading a saved transformer, means the model file is damaged.</summary>
    private protected static bool IsDamage(Exception error) => error is IOException or InvalidDataException or JsonException or FormatException
        or ArgumentException or InvalidOperationException or OverflowException;

    /// <summary>The exception a damaged saved transformer gives: <see cref="InvalidDataException"/>, with the cause inside.</summary>
    private protected static InvalidDataException Damaged(Exception error) =>
        new($"The model file's LaMDA transformer is damaged or was not written by this library: {error.Message}", error);

    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Scorer.IsDisposed, this);
}
