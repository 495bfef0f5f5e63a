namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>
/// Assigns train, validation and test splits by source package, so that neither a source package nor a text
/// lands on two sides. Source packages that share a description text are linked (union-find); each linked
/// group takes the split given by the <see cref="StableHash"/> of its ordinally smallest source name.
/// </summary>
public sealed class SourceSplitter
{
    private readonly Dictionary<string, DataSplit> _splitOfSource;

    private SourceSplitter(IReadOnlyList<DescriptionGroup> groups, Dictionary<string, DataSplit> splitOfSource)
    {
        Groups = groups;
        _splitOfSource = splitOfSource;
    }

    /// <summary>The distinct description texts (truncated to the cap), in the order the archive first names them.</summary>
    public IReadOnlyList<DescriptionGroup> Groups { get; }

    /// <summary>
    /// Groups <paramref name="packages"/> by their truncated description and splits them by source package.
    /// </summary>
    /// <param name="packages">The archive's packages.</param>
    /// <param name="maxChars">The length cap of the data sets' texts (texts equal after truncation count as one).</param>
    /// <param name="validationPercent">Percentage of source groups in the validation split.</param>
    /// <param name="testPercent">Percentage of source groups in the test split.</param>
    /// <exception cref="ArgumentOutOfRangeException">The percentages are negative or leave no training split.</exception>
    public static SourceSplitter Create(IReadOnlyList<DebianPackage> packages, int maxChars, int validationPercent = 10, int testPercent = 10)
    {
        if (validationPercent < 0 || testPercent < 0 || validationPercent + testPercent >= 100)
        {
            throw new ArgumentOutOfRangeException(
                nameof(validationPercent), $"validation {validationPercent}% and test {testPercent}% must be non-negative and leave a training split.");
        }

        var byText = new Dictionary<string, List<DebianPackage>>(StringComparer.Ordinal);
        var textOrder = new List<string>();
        foreach (var package in packages)
        {
            var text = DescriptionText.Truncate(package.Description, maxChars);
            if (!byText.TryGetValue(text, out var members))
            {
                byText[text] = members = [];
                textOrder.Add(text);
            }

            members.Add(package);
        }

        var links = new UnionFind();
        foreach (var members in byText.Values)
        {
            foreach (var package in members)
            {
                links.Union(members[0].Source, package.Source);
            }
        }

        var splitOfSource = new Dictionary<string, DataSplit>(StringComparer.Ordinal);
        foreach (var source in packages.Select(p => p.Source).Distinct(StringComparer.Ordinal))
        {
            var bucket = (int)(StableHash.Of(links.Representative(source)) % 100);
            splitOfSource[source] = bucket < 100 - validationPercent - testPercent ? DataSplit.Train
                : bucket < 100 - testPercent ? DataSplit.Validation
                : DataSplit.Test;
        }

        var groups = textOrder
            .Select(text => new DescriptionGroup(text, byText[text], splitOfSource[byText[text][0].Source]))
            .ToArray();
        return new SourceSplitter(groups, splitOfSource);
    }

    /// <summary>The split of a package's source package.</summary>
    /// <param name="package">A package given to <see cref="Create"/>.</param>
    /// <exception cref="ArgumentException">The package's source was not among those given to <see cref="Create"/>.</exception>
    public DataSplit SplitOf(DebianPackage package) =>
        _splitOfSource.TryGetValue(package.Source, out var split)
            ? split
            : throw new ArgumentException($"Source package '{package.Source}' of '{package.Name}' was not split.", nameof(package));

    /// <summary>Disjoint sets of source names; each set is represented by its ordinally smallest name.</summary>
    private sealed class UnionFind
    {
        private readonly Dictionary<string, string> _parent = new(StringComparer.Ordinal);

        public string Representative(string name)
        {
            var root = name;
            while (_parent.TryGetValue(root, out var parent) && parent != root)
            {
                root = parent;
            }

            // Path compression keeps later look-ups short.
            while (_parent.TryGetValue(name, out var parent) && parent != root)
            {
                _parent[name] = root;
                name = parent;
            }

            return root;
        }

        public void Union(string a, string b)
        {
            var rootA = Representative(a);
            var rootB = Representative(b);
            if (rootA == rootB)
            {
                _parent.TryAdd(rootA, rootA);
                return;
            }

            var (keep, merge) = string.CompareOrdinal(rootA, rootB) < 0 ? (rootA, rootB) : (rootB, rootA);
            _parent[merge] = keep;
            _parent.TryAdd(keep, keep);
        }
    }
}
