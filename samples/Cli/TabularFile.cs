using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Cli;

/// <summary>
/// A delimited text file whose separator (tab, comma or semicolon) and header row are detected from its first
/// line, read with ML.NET's <see cref="TextLoader"/>: columns are named by header name (or, without a header,
/// by zero-based index).
/// </summary>
internal sealed class TabularFile
{
    private static readonly char[] Candidates = ['\t', ',', ';'];

    private TabularFile(string path, char separator, IReadOnlyList<string> header, bool hasHeader)
    {
        Path = path;
        Separator = separator;
        FirstLineFields = header;
        HasHeader = hasHeader;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Detected separator.</summary>
    public char Separator { get; }

    /// <summary>The fields of the first line (the column names when <see cref="HasHeader"/>).</summary>
    public IReadOnlyList<string> FirstLineFields { get; }

    /// <summary>Whether the first line names the columns.</summary>
    public bool HasHeader { get; }

    /// <summary>
    /// Inspects the first line of <paramref name="path"/>: the separator is the candidate it holds most often; it is a
    /// header when it holds every name in <paramref name="requiredColumns"/> (names that are all numbers mean
    /// column indices of a file without a header).
    /// </summary>
    public static TabularFile Open(string path, IReadOnlyList<string> requiredColumns)
    {
        if (!File.Exists(path)) throw new CliException($"Data file '{path}' does not exist.");
        string? firstLine;
        using (var reader = new StreamReader(path))
            firstLine = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(firstLine)) throw new CliException($"Data file '{path}' is empty: expected a header row and data rows.");

        char separator = Candidates.OrderByDescending(c => firstLine.Count(ch => ch == c)).First();
        var fields = firstLine.Split(separator).Select(f => f.Trim().Trim('"')).ToList();
        bool hasHeader = requiredColumns.All(fields.Contains);
        if (!hasHeader && !requiredColumns.All(c => int.TryParse(c, out int i) && i >= 0 && i < fields.Count))
        {
            var missing = requiredColumns.Where(c => !fields.Contains(c));
            throw new CliException($"Data file '{path}' has no column {string.Join(", ", missing.Select(m => $"'{m}'"))}; its columns ({Describe(separator)}-separated) are: {string.Join(", ", fields.Select(f => $"'{f}'"))}.");
        }
        return new TabularFile(path, separator, fields, hasHeader);
    }

    /// <summary>Loads the named columns (as text, or as <see cref="DataKind.Single"/> for <paramref name="numericColumns"/>).</summary>
    public IDataView Load(MLContext mlContext, IReadOnlyList<string> textColumns, IReadOnlyList<string>? numericColumns = null)
    {
        var columns = textColumns.Select(name => new TextLoader.Column(name, DataKind.String, IndexOf(name)))
            .Concat((numericColumns ?? []).Select(name => new TextLoader.Column(name, DataKind.Single, IndexOf(name))))
            .ToArray();
        return mlContext.Data.CreateTextLoader(new TextLoader.Options
        {
            Separators = [Separator],
            HasHeader = HasHeader,
            AllowQuoting = Separator != '\t',
            TrimWhitespace = false,
            Columns = columns,
        }).Load(Path);
    }

    private int IndexOf(string name) => HasHeader ? FirstLineFields.ToList().IndexOf(name) : int.Parse(name);

    private static string Describe(char separator) => separator switch
    {
        '\t' => "tab",
        ',' => "comma",
        _ => "semicolon",
    };
}
