using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Tokenization;
using Microsoft.ML.Lamda.Training;

namespace Microsoft.ML.Lamda;

/// <summary>Streams the rows of an <see cref="IDataView"/> once, tokenizing each; rows whose label is missing are skipped and counted.</summary>
internal static class TrainingDataReader
{
    /// <summary>Reads every row of <paramref name="data"/> (sentence columns and label of <paramref name="options"/>).</summary>
    public static List<TrainingExample> Read(IDataView data, LamdaTrainerOptions options, PretrainedTokenizer tokenizer, Action checkCanceled, out long skippedRows)
    {
        var schema = data.Schema;
        var first = schema[options.Sentence1ColumnName];
        var second = options.Sentence2ColumnName is null ? (DataViewSchema.Column?)null : schema[options.Sentence2ColumnName];
        var label = schema[options.LabelColumnName];
        var columns = second is null ? new[] { first, label } : [first, second.Value, label];

        using var cursor = data.GetRowCursor(columns);
        var getFirst = cursor.GetGetter<ReadOnlyMemory<char>>(first);
        var getSecond = second is null ? null : cursor.GetGetter<ReadOnlyMemory<char>>(second.Value);
        var getLabel = RowCursorUtils.GetLabelGetter(cursor, label.Index);
        ReadOnlyMemory<char> firstText = default, secondText = default;
        float labelValue = 0;
        var examples = new List<TrainingExample>();
        skippedRows = 0;
        while (cursor.MoveNext())
        {
            if ((cursor.Position & 1023) == 0) checkCanceled();
            getLabel(ref labelValue);
            if (float.IsNaN(labelValue))
            {
                skippedRows++;
                continue;
            }
            getFirst(ref firstText);
            getSecond?.Invoke(ref secondText);
            var tokens = tokenizer.Encode(firstText.ToString(), getSecond is null ? null : secondText.ToString(), options.MaxSequenceLength);
            examples.Add(new TrainingExample(tokens, labelValue));
        }
        return examples;
    }
}
