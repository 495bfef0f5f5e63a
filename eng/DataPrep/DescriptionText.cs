using System.Text;

namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>Turns a Debian <c>Description-en</c> value into one line of text.</summary>
public static class DescriptionText
{
    /// <summary>
    /// Joins the short description (first line) and the long description (continuation lines, where a lone
    /// <c>.</c> marks a paragraph break) into one line: every run of whitespace (tabs and newlines included)
    /// becomes a single space, and a full stop separates the short description from the long one.
    /// </summary>
    /// <param name="description">The field's value as <see cref="ControlFileReader"/> returns it.</param>
    public static string Normalize(string description)
    {
        var lines = description.Split('\n');
        var text = new StringBuilder(CollapseWhitespace(lines[0]));
        var body = string.Join(' ', lines.Skip(1).Select(l => l.Trim()).Where(l => l != "."));
        body = CollapseWhitespace(body);
        if (body.Length > 0)
        {
            if (text.Length > 0 && !".!?:;".Contains(text[^1]))
            {
                text.Append('.');
            }

            text.Append(' ').Append(body);
        }

        return text.ToString().Trim();
    }

    /// <summary>
    /// Shortens <paramref name="text"/> to at most <paramref name="maxChars"/> characters, cutting at the last
    /// space that keeps it within the limit (or hard at the limit when the text has no such space).
    /// </summary>
    /// <param name="text">One line of normalised text.</param>
    /// <param name="maxChars">The largest length kept; must be positive.</param>
    public static string Truncate(string text, int maxChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChars);
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = text.LastIndexOf(' ', maxChars);
        return (cut > 0 ? text[..cut] : text[..maxChars]).TrimEnd();
    }

    private static string CollapseWhitespace(string text)
    {
        var result = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                pendingSpace = result.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                result.Append(' ');
                pendingSpace = false;
            }

            result.Append(c);
        }

        return result.ToString();
    }
}
