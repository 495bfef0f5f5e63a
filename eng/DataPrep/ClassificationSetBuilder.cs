namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>One row of the text-classification set: a package description labelled with its archive section.</summary>
/// <param name="Section">The label: the archive section.</param>
/// <param name="Description">The description text.</param>
/// <param name="Package">The (ordinally smallest) package that carries the description.</param>
public sealed record ClassificationRow(string Section, string Description, string Package);

/// <summary>The text-classification set: description to section, in three splits.</summary>
/// <param name="Sections">The sections kept as classes, largest first.</param>
/// <param name="Train">The training rows.</param>
/// <param name="Validation">The validation rows.</param>
/// <param name="Test">The test rows.</param>
public sealed record ClassificationSet(
    IReadOnlyList<string> Sections,
    IReadOnlyList<ClassificationRow> Train,
    IReadOnlyList<ClassificationRow> Validation,
    IReadOnlyList<ClassificationRow> Test);

/// <summary>
/// Builds the description-to-section classification set: the largest sections (counted in distinct texts)
/// become the classes, and each split keeps at most a fixed number of texts per class, chosen in the
/// reproducible pseudo-random order of <see cref="DescriptionGroup.OrderKey"/>.
/// </summary>
public static class ClassificationSetBuilder
{
    /// <summary>Builds the set from distinct, already split description texts.</summary>
    /// <param name="groups">The distinct texts with their split (each text appears once, so rows are de-duplicated).</param>
    /// <param name="sectionCount">How many of the largest sections to keep as classes.</param>
    /// <param name="trainPerSection">The most training rows per class.</param>
    /// <param name="evalPerSection">The most validation rows, and the most test rows, per class.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    public static ClassificationSet Build(IReadOnlyList<DescriptionGroup> groups, int sectionCount, int trainPerSection, int evalPerSection)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectionCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainPerSection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(evalPerSection);

        var labelled = groups.Select(g => (Group: g, g.Section)).ToArray();
        var sections = labelled
            .GroupBy(x => x.Section, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(sectionCount)
            .Select(g => g.Key)
            .ToArray();
        var kept = labelled.Where(x => sections.Contains(x.Section, StringComparer.Ordinal)).ToArray();

        ClassificationRow[] Rows(DataSplit split, int perSection) => kept
            .Where(x => x.Group.Split == split)
            .GroupBy(x => x.Section, StringComparer.Ordinal)
            .SelectMany(section => section.OrderBy(x => x.Group.OrderKey).Take(perSection))
            .OrderBy(x => x.Group.OrderKey)
            .Select(x => new ClassificationRow(x.Section, x.Group.Text, x.Group.PackageName))
            .ToArray();

        return new ClassificationSet(
            sections,
            Rows(DataSplit.Train, trainPerSection),
            Rows(DataSplit.Validation, evalPerSection),
            Rows(DataSplit.Test, evalPerSection));
    }
}
