using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda;

/// <summary>
/// Serves the model's outputs for the rows of one cursor, batched. The cursor's rows are scored a batch at a
/// time: a second cursor over the same data (only the text columns active) reads the next rows ahead, one
/// forward pass scores them, and the rows are served from that batch. Each served row is checked against the
/// row the cursor actually shows (position and texts); a row that does not match (a filtered, shuffled or
/// split cursor) is scored on its own, so results are always those of the row itself. Without a source to
/// read ahead (prediction engines), every row is scored on its own and cached by position.
/// </summary>
internal sealed class RowPredictions : IDisposable
{
    private readonly TextScorer _scorer;
    private readonly DataViewRow _row;
    private readonly ValueGetter<ReadOnlyMemory<char>> _getFirst;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _getSecond;
    private readonly DataViewRowCursor? _lookahead;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _lookaheadFirst;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _lookaheadSecond;
    private bool _lookaheadDone;
    private long _batchStart = -1;
    private SentencePair[] _batchTexts = [];
    private float[][] _batchOutputs = [];
    private long _cachedPosition = -1;
    private float[] _cached = [];

    /// <summary>Serves outputs for <paramref name="row"/>; reads ahead from <paramref name="source"/> when given.</summary>
    public RowPredictions(TextScorer scorer, DataViewRow row, string sentence1, string? sentence2, IDataView? source)
    {
        _scorer = scorer;
        _row = row;
        _getFirst = row.GetGetter<ReadOnlyMemory<char>>(row.Schema[sentence1]);
        _getSecond = sentence2 is null ? null : row.GetGetter<ReadOnlyMemory<char>>(row.Schema[sentence2]);
        if (source is null) return;
        var columns = new List<DataViewSchema.Column> { source.Schema[sentence1] };
        if (sentence2 is not null) columns.Add(source.Schema[sentence2]);
        _lookahead = source.GetRowCursor(columns);
        _lookaheadFirst = _lookahead.GetGetter<ReadOnlyMemory<char>>(source.Schema[sentence1]);
        _lookaheadSecond = sentence2 is null ? null : _lookahead.GetGetter<ReadOnlyMemory<char>>(source.Schema[sentence2]);
    }

    /// <summary>The outputs of the row the cursor is on (do not modify).</summary>
    public float[] Current()
    {
        long position = _row.Position;
        if (position == _cachedPosition) return _cached;
        var texts = ReadTexts(_getFirst, _getSecond);
        _cached = FromBatch(position, texts) ?? _scorer.Score([texts])[0];
        _cachedPosition = position;
        return _cached;
    }

    private float[]? FromBatch(long position, SentencePair texts)
    {
        if (_lookahead is null) return null;
        if (position >= _batchStart + _batchTexts.Length && !_lookaheadDone)
            ReadBatchFrom(position);
        long index = position - _batchStart;
        if (index < 0 || index >= _batchTexts.Length || _batchTexts[index] != texts) return null;
        return _batchOutputs[index];
    }

    private void ReadBatchFrom(long position)
    {
        var texts = new List<SentencePair>(_scorer.BatchSize);
        long start = -1;
        while (texts.Count < _scorer.BatchSize)
        {
            if (!_lookahead!.MoveNext())
            {
                _lookaheadDone = true;
                break;
            }
            if (_lookahead.Position < position) continue;
            if (start < 0) start = _lookahead.Position;
            texts.Add(ReadTexts(_lookaheadFirst!, _lookaheadSecond));
        }
        _batchStart = start;
        _batchTexts = texts.ToArray();
        _batchOutputs = texts.Count == 0 ? [] : _scorer.Score(texts);
    }

    private static SentencePair ReadTexts(ValueGetter<ReadOnlyMemory<char>> getFirst, ValueGetter<ReadOnlyMemory<char>>? getSecond)
    {
        ReadOnlyMemory<char> first = default, second = default;
        getFirst(ref first);
        if (getSecond is null) return new SentencePair(first.ToString(), null);
        getSecond(ref second);
        return new SentencePair(first.ToString(), second.ToString());
    }

    /// <inheritdoc/>
    public void Dispose() => _lookahead?.Dispose();
}
