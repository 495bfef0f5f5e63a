namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>One distinct description text with every package that carries it.</summary>
/// <param name="Text">The description, normalised and truncated to the data sets' length cap.</param>
/// <param name="Packages">The packages whose description truncates to <paramref name="Text"/>, in archive order.</param>
/// <param name="Split">The split of the packages' source packages (all share one, see <see cref="SourceSplitter"/>).</param>
public sealed record DescriptionGroup(string Text, IReadOnlyList<DebianPackage> Packages, DataSplit Split)
{
    /// <summary>The section most of the packages belong to (ties go to the ordinally smallest name).</summary>
    public string Section => Packages
        .GroupBy(p => p.Section, StringComparer.Ordinal)
        .OrderByDescending(g => g.Count())
        .ThenBy(g => g.Key, StringComparer.Ordinal)
        .First().Key;

    /// <summary>The ordinally smallest package name, used to name the row.</summary>
    public string PackageName => Packages.Select(p => p.Name).Min(StringComparer.Ordinal)!;

    /// <summary>The union of the packages' debtags, sorted ordinally.</summary>
    public IReadOnlyList<string> Tags => Packages
        .SelectMany(p => p.Tags)
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>A reproducible pseudo-random sort key (the <see cref="StableHash"/> of the text).</summary>
    public ulong OrderKey => StableHash.Of(Text);
}
