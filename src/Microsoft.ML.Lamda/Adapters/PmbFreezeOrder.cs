namespace Microsoft.ML.Lamda.Adapters;

/// <summary>The order in which the columns of B (one per singular value) are frozen.</summary>
public enum PmbFreezeOrder
{
    /// <summary>Column 0 (largest singular value) first (default).</summary>
    LargestFirst = 0,

    /// <summary>Column r − 1 (smallest kept singular value) first.</summary>
    SmallestFirst = 1,
}
