using System.Text.RegularExpressions;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// One target pattern: a plain dotted name (letters, digits, '_' and '.') matches a module named exactly so or ending
/// with '.' + pattern (PEFT's suffix rule); anything else is a regular expression over the whole dotted name.
/// </summary>
internal sealed class ModulePattern
{
    private static readonly Regex PlainName = new(@"^[A-Za-z0-9_.]+$", RegexOptions.CultureInvariant);
    private readonly Regex? _regex;

    public ModulePattern(string text, string settingName)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException($"{settingName} contains an empty pattern.", settingName);
        Text = text;
        if (PlainName.IsMatch(text)) return;
        try
        {
            _regex = new Regex($"^(?:{text})$", RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{settingName} pattern '{text}' is not a valid regular expression: {e.Message}", settingName, e);
        }
    }

    public string Text { get; }

    public bool Matches(string moduleName)
        => _regex?.IsMatch(moduleName) ?? (moduleName == Text || moduleName.EndsWith("." + Text, StringComparison.Ordinal));
}
