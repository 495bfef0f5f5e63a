using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda;

/// <summary>The score-column annotations ML.NET's evaluators look for.</summary>
internal static class ScoreAnnotations
{
    /// <summary>A fresh score-column set id: one more than the largest in <paramref name="inputSchema"/>.</summary>
    public static ValueGetter<uint> ScoreColumnSetIdGetter(DataViewSchema inputSchema)
    {
        uint id = checked(inputSchema.GetMaxAnnotationKind(out _, AnnotationUtils.Kinds.ScoreColumnSetId) + 1);
        return (ref uint value) => value = id;
    }

    /// <summary>Annotations of a score column of the given kind (for example regression), with a fresh set id.</summary>
    public static DataViewSchema.Annotations ForScoreColumn(DataViewSchema inputSchema, string scoreColumnKind)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(AnnotationUtils.Kinds.ScoreColumnKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = scoreColumnKind.AsMemory());
        builder.Add(AnnotationUtils.Kinds.ScoreColumnSetId, AnnotationUtils.ScoreColumnSetIdType, ScoreColumnSetIdGetter(inputSchema));
        builder.Add(AnnotationUtils.Kinds.ScoreValueKind, TextDataViewType.Instance,
            (ref ReadOnlyMemory<char> value) => value = AnnotationUtils.Const.ScoreValueKind.Score.AsMemory());
        return builder.ToAnnotations();
    }
}
