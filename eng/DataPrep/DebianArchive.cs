namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>
/// Joins the archive's <c>Packages</c> indexes (section, source, debtags, <c>Description-md5</c>) with its
/// <c>Translation-en</c> indexes (<c>Description-md5</c> to <c>Description-en</c>).
/// </summary>
public static class DebianArchive
{
    private static readonly string[] SectionPrefixes = ["contrib/", "non-free-firmware/", "non-free/"];

    /// <summary>
    /// Loads every package that has a section and an English description. A package named in several
    /// <c>Packages</c> files (a release and its updates) is taken from the first file that names it.
    /// </summary>
    /// <param name="packagesFiles">The <c>Packages</c> indexes, as (name for messages, text) pairs.</param>
    /// <param name="translationFiles">The <c>Translation-en</c> indexes, as (name for messages, text) pairs.</param>
    /// <param name="log">Receives one line per file read and a count of the packages left out.</param>
    /// <returns>The packages, in the order their files name them.</returns>
    /// <exception cref="FormatException">A stanza lacks the <c>Package</c>, <c>Description-md5</c> or <c>Description-en</c> field.</exception>
    public static IReadOnlyList<DebianPackage> Load(
        IEnumerable<(string Name, TextReader Text)> packagesFiles,
        IEnumerable<(string Name, TextReader Text)> translationFiles,
        Action<string>? log = null)
    {
        var descriptions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in translationFiles)
        {
            var before = descriptions.Count;
            foreach (var stanza in ControlFileReader.ReadStanzas(text, name))
            {
                descriptions.TryAdd(Required(stanza, "Description-md5", name), Required(stanza, "Description-en", name));
            }

            log?.Invoke($"{name}: {descriptions.Count - before} descriptions");
        }

        var packages = new List<DebianPackage>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var withoutSection = 0;
        var withoutDescription = 0;
        foreach (var (name, text) in packagesFiles)
        {
            var before = packages.Count;
            foreach (var stanza in ControlFileReader.ReadStanzas(text, name))
            {
                var package = Required(stanza, "Package", name);
                if (!seen.Add(package))
                {
                    continue;
                }

                if (!stanza.TryGetValue("Section", out var section) || section.Length == 0)
                {
                    withoutSection++;
                    continue;
                }

                if (!descriptions.TryGetValue(Required(stanza, "Description-md5", name), out var description))
                {
                    withoutDescription++;
                    continue;
                }

                packages.Add(new DebianPackage(
                    package,
                    SourceName(stanza, package),
                    StripSectionPrefix(section),
                    ParseTags(stanza),
                    DescriptionText.Normalize(description)));
            }

            log?.Invoke($"{name}: {packages.Count - before} packages");
        }

        log?.Invoke($"left out: {withoutSection} packages without a section, {withoutDescription} without an English description");
        return packages;
    }

    /// <summary>Removes the archive area prefix (<c>contrib/</c>, <c>non-free/</c>, <c>non-free-firmware/</c>) from a section.</summary>
    /// <param name="section">The <c>Section</c> field's value, e.g. <c>contrib/games</c>.</param>
    public static string StripSectionPrefix(string section)
    {
        foreach (var prefix in SectionPrefixes)
        {
            if (section.StartsWith(prefix, StringComparison.Ordinal))
            {
                return section[prefix.Length..];
            }
        }

        return section;
    }

    private static string SourceName(IReadOnlyDictionary<string, string> stanza, string package)
    {
        if (!stanza.TryGetValue("Source", out var source) || source.Length == 0)
        {
            return package;
        }

        // "Source: foo (1.2-3)" names the source version when it differs from the binary's.
        var space = source.IndexOf(' ');
        return space < 0 ? source : source[..space];
    }

    private static string[] ParseTags(IReadOnlyDictionary<string, string> stanza) =>
        stanza.TryGetValue("Tag", out var tags)
            ? tags.Split([',', '\n'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : [];

    private static string Required(IReadOnlyDictionary<string, string> stanza, string field, string fileName)
    {
        if (stanza.TryGetValue(field, out var value) && value.Length > 0)
        {
            return value;
        }

        var package = stanza.TryGetValue("Package", out var p) ? p : "(unnamed)";
        throw new FormatException($"{fileName}: stanza of package '{package}' has no '{field}' field.");
    }
}
