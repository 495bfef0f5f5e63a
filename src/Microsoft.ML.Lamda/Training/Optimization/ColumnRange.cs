namespace Microsoft.ML.Lamda.Training;

/// <summary>A contiguous range of columns (dimension 1) of a 2-D parameter: the columns still being trained.</summary>
/// <param name="Start">The first column.</param>
/// <param name="Count">The number of columns; 0 when the whole parameter is frozen.</param>
public readonly record struct ColumnRange(long Start, long Count);
