using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda;

/// <summary>
/// A view of transformed data that is always read with one cursor, in order. ML.NET's row-to-row transform would
/// otherwise split the input over parallel cursors (one per core) when its added columns are read, and the
/// batched scoring, which reads rows ahead in order, would fall back to one row at a time.
/// </summary>
internal sealed class SingleCursorDataView(IDataView inner) : IDataView
{
    /// <inheritdoc/>
    public bool CanShuffle => false;

    /// <inheritdoc/>
    public DataViewSchema Schema => inner.Schema;

    /// <inheritdoc/>
    public long? GetRowCount() => inner.GetRowCount();

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        inner.GetRowCursorSet(columnsNeeded, n: 1).Single();

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded)];
}
