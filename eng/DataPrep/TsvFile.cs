using System.Text;

namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>Writes tab-separated files with a header row (UTF-8 without byte-order mark, <c>\n</c> line ends).</summary>
public static class TsvFile
{
    /// <summary>Writes <paramref name="header"/> and <paramref name="rows"/>; tabs and line breaks inside a value become spaces.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="header">The column names.</param>
    /// <param name="rows">The rows, each with one value per column.</param>
    /// <exception cref="ArgumentException">A row's value count differs from the header's.</exception>
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        writer.WriteLine(string.Join('\t', header.Select(Clean)));
        var rowNumber = 0;
        foreach (var row in rows)
        {
            rowNumber++;
            if (row.Count != header.Count)
            {
                throw new ArgumentException($"{path}: row {rowNumber} has {row.Count} values, the header has {header.Count} columns.", nameof(rows));
            }

            writer.WriteLine(string.Join('\t', row.Select(Clean)));
        }
    }

    private static string Clean(string value) => value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
