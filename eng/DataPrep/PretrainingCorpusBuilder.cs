namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>
/// Builds the masked-language-modelling corpus: the distinct descriptions of every package whose source
/// package lies in the training split, so no validation or test text (of either data set) is pretrained on.
/// </summary>
public static class PretrainingCorpusBuilder
{
    /// <summary>The corpus lines (one description each), in archive order.</summary>
    /// <param name="packages">The archive's packages.</param>
    /// <param name="splitter">The split by source package shared with the fine-tuning sets.</param>
    /// <param name="maxChars">The length cap of a corpus line.</param>
    public static IReadOnlyList<string> Build(IReadOnlyList<DebianPackage> packages, SourceSplitter splitter, int maxChars) =>
        packages
            .Where(p => splitter.SplitOf(p) == DataSplit.Train)
            .Select(p => DescriptionText.Truncate(p.Description, maxChars))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
}
