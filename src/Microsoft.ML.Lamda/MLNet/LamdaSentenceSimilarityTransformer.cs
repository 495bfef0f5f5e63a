using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Lamda;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(LamdaSentenceSimilarityTransformer), null, typeof(SignatureLoadModel),
    LamdaSentenceSimilarityTransformer.UserName, LamdaSentenceSimilarityTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(LamdaSentenceSimilarityTransformer), null, typeof(SignatureLoadRowMapper),
    LamdaSentenceSimilarityTransformer.UserName, LamdaSentenceSimilarityTransformer.LoaderSignature)]

namespace Microsoft.ML.Lamda;

/// <summary>
/// A sentence-similarity model fine-tuned with <see cref="LamdaSentenceSimilarityTrainer"/>: adds <c>Score</c>
/// (a <see cref="float"/> on the label's scale). Holds the merged model; dispose it to free native memory.
/// Saved and loaded with <c>mlContext.Model.Save</c> / <c>Load</c>.
/// </summary>
public sealed class LamdaSentenceSimilarityTransformer : LamdaTransformerBase
{
    internal const string UserName = "LaMDA Sentence Similarity";
    internal const string LoaderSignature = "LamdaSentenceSimilarity";

    internal LamdaSentenceSimilarityTransformer(IHostEnvironment env, TextScorer scorer, string sentence1ColumnName, string sentence2ColumnName,
        string scoreColumnName, LamdaTrainingReport report)
        : base(env.Register(nameof(LamdaSentenceSimilarityTransformer)), scorer, sentence1ColumnName, sentence2ColumnName, scoreColumnName, report)
    {
    }

    private static VersionInfo GetVersionInfoCore() => new(
        modelSignature: "LMDASIML",
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(LamdaSentenceSimilarityTransformer).Assembly.FullName);

    private protected override VersionInfo GetVersionInfo() => GetVersionInfoCore();

    internal override DataViewSchema.DetachedColumn[] GetOutputColumns(DataViewSchema inputSchema) =>
    [
        new DataViewSchema.DetachedColumn(ScoreColumnName, NumberDataViewType.Single,
            ScoreAnnotations.ForScoreColumn(inputSchema, AnnotationUtils.Const.ScoreColumnKind.Regression)),
    ];

    internal override Delegate MakeOutputGetter(int index, RowPredictions predictions) =>
        (ValueGetter<float>)((ref float value) => value = predictions.Current()[0]);

    private protected override void SaveTaskModel(ModelSaveContext ctx)
    {
    }

    private static LamdaSentenceSimilarityTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfoCore());
        SavedParts? parts = null;
        try
        {
            parts = LoadSharedParts(env, ctx);
            return new LamdaSentenceSimilarityTransformer(env, parts.Scorer, parts.Sentence1ColumnName, parts.Sentence2ColumnName!, parts.ScoreColumnName, parts.Report);
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
