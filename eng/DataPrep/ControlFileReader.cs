namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>
/// Reads Debian control files (deb822 stanzas: the archive's <c>Packages</c> and <c>Translation-en</c> indexes).
/// A stanza is a run of <c>Field: value</c> lines ended by a blank line; lines that begin with a space or tab
/// continue the previous field's value.
/// </summary>
public static class ControlFileReader
{
    /// <summary>
    /// Yields each stanza of <paramref name="reader"/> as a field-name to value map (field names compared
    /// case-insensitively, continuation lines joined to their field with <c>'\n'</c>).
    /// </summary>
    /// <param name="reader">The control file's text.</param>
    /// <param name="sourceName">The file's name, used in error messages.</param>
    /// <exception cref="FormatException">A line is neither a field, a continuation line nor blank.</exception>
    public static IEnumerable<IReadOnlyDictionary<string, string>> ReadStanzas(TextReader reader, string sourceName)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? lastField = null;
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                if (fields.Count > 0)
                {
                    yield return fields;
                    fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    lastField = null;
                }
                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                if (lastField is null)
                {
                    throw new FormatException($"{sourceName}, line {lineNumber}: continuation line before any field.");
                }

                fields[lastField] = fields[lastField] + "\n" + line;
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new FormatException($"{sourceName}, line {lineNumber}: expected 'Field: value', got '{line}'.");
            }

            lastField = line[..colon];
            fields[lastField] = line[(colon + 1)..].Trim();
        }

        if (fields.Count > 0)
        {
            yield return fields;
        }
    }
}
