using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Data.IO;
using Microsoft.ML.Lamda;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(LamdaTextClassificationTransformer), null, typeof(SignatureLoadModel),
    LamdaTextClassificationTransformer.UserName, LamdaTextClassificationTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(LamdaTextClassificationTransformer), null, typeof(SignatureLoadRowMapper),
    LamdaTextClassificationTransformer.UserName, LamdaTextClassificationTransformer.LoaderSignature)]

namespace Microsoft.ML.Lamda;

/// <summary>
/// A text classifier fine-tuned with <see cref="LamdaTextClassificationTrainer"/>: adds <c>PredictedLabel</c> (a key
/// with the training label's values) and <c>Score</c> (class probabilities). Holds the merged model; dispose it
/// to free native memory. Saved and loaded with <c>mlContext.Model.Save</c> / <c>Load</c>.
/// </summary>
public sealed class LamdaTextClassificationTransformer : LamdaTransformerBase
{
    internal const string UserName = "LaMDA Text Classification";
    internal const string LoaderSignature = "LamdaTextClassifier";

    private readonly DataViewSchema.Annotations _labelAnnotations;

    internal LamdaTextClassificationTransformer(IHostEnvironment env, TextScorer scorer, string sentence1ColumnName, string? sentence2ColumnName,
        string scoreColumnName, string predictedLabelColumnName, string labelColumnName, DataViewSchema.Annotations labelAnnotations, LamdaTrainingReport report)
        : base(env.Register(nameof(LamdaTextClassificationTransformer)), scorer, sentence1ColumnName, sentence2ColumnName, scoreColumnName, report)
    {
        PredictedLabelColumnName = predictedLabelColumnName;
        LabelColumnName = labelColumnName;
        _labelAnnotations = labelAnnotations;
    }

    /// <summary>Output column of the predicted class (a key).</summary>
    public string PredictedLabelColumnName { get; }

    /// <summary>Label column the model was trained on (its key values name the classes).</summary>
    public string LabelColumnName { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount => Scorer.OutputCount;

    private static VersionInfo GetVersionInfoCore() => new(
        modelSignature: "LMDATXTC",
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(LamdaTextClassificationTransformer).Assembly.FullName);

    private protected override VersionInfo GetVersionInfo() => GetVersionInfoCore();

    internal override DataViewSchema.DetachedColumn[] GetOutputColumns(DataViewSchema inputSchema)
    {
        int classes = ClassCount;
        var keyValues = _labelAnnotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);

        var predictedAnnotations = new DataViewSchema.Annotations.Builder();
        var scoreAnnotations = new DataViewSchema.Annotations.Builder();
        if (keyValues is { } values)
        {
            var getter = KeyValuesCodec.MakeGetter(_labelAnnotations, values);
            predictedAnnotations.Add(AnnotationUtils.Kinds.KeyValues, values.Type, getter);
            scoreAnnotations.Add(AnnotationUtils.Kinds.SlotNames, values.Type, getter);
            scoreAnnotations.Add(AnnotationUtils.Kinds.TrainingLabelValues, values.Type, getter);
        }
        scoreAnnotations.Add(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = AnnotationUtils.Const.ScoreColumnKind.MulticlassClassification.AsMemory());
        scoreAnnotations.Add(AnnotationUtils.Kinds.ScoreColumnSetId, AnnotationUtils.ScoreColumnSetIdType, ScoreAnnotations.ScoreColumnSetIdGetter(inputSchema));
        scoreAnnotations.Add(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = AnnotationUtils.Const.ScoreValueKind.Score.AsMemory());

        return
        [
            new DataViewSchema.DetachedColumn(PredictedLabelColumnName, new KeyDataViewType(typeof(uint), classes), predictedAnnotations.ToAnnotations()),
            new DataViewSchema.DetachedColumn(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classes), scoreAnnotations.ToAnnotations()),
        ];
    }

    internal override Delegate MakeOutputGetter(int index, RowPredictions predictions)
    {
        if (index == 0)
            return (ValueGetter<uint>)((ref uint value) => value = (uint)Training.ClassificationObjective.ArgMax(predictions.Current()) + 1);
        return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            var probabilities = predictions.Current();
            var editor = VBufferEditor.Create(ref value, probabilities.Length);
            probabilities.CopyTo(editor.Values);
            value = editor.Commit();
        });
    }

    private protected override IReadOnlyList<string> ExportLabels() =>
        _labelAnnotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues) is { } values && KeyValuesCodec.Names(_labelAnnotations, values) is { } names
            && names.Length == ClassCount
            ? names
            : base.ExportLabels();

    private protected override void SaveTaskModel(ModelSaveContext ctx)
    {
        ctx.SaveNonEmptyString(PredictedLabelColumnName);
        ctx.SaveNonEmptyString(LabelColumnName);
        var keyValues = _labelAnnotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
        ctx.Writer.Write(keyValues is not null);
        if (keyValues is { } values)
            KeyValuesCodec.Write(Host, ctx.Writer.BaseStream, _labelAnnotations, values);
    }

    private static LamdaTextClassificationTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfoCore());
        SavedParts? parts = null;
        try
        {
            parts = LoadSharedParts(env, ctx);
            var predictedLabel = ctx.LoadNonEmptyString();
            var label = ctx.LoadNonEmptyString();
            var annotations = ctx.Reader.ReadBoolean()
                ? KeyValuesCodec.Read(env, ctx.Reader.BaseStream)
                : DataViewSchema.Annotations.Empty;
            return new LamdaTextClassificationTransformer(env, parts.Scorer, parts.Sentence1ColumnName, parts.Sentence2ColumnName,
                parts.ScoreColumnName, predictedLabel, label, annotations, parts.Report);
        }
        catch (Exception e) when (IsDamage(e))
        {
            parts?.Scorer.Dispose();
            throw Damaged(e);
        }
    }

    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema) =>
        Create(env, ctx).MakeRowMapper(inputSchema);
}
