using System.Diagnostics;

namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>
/// Finds and reads the archive indexes that <c>apt-get update -o Acquire::Languages=en</c> downloaded into
/// <c>/var/lib/apt/lists</c>. apt may store them compressed (lz4, xz, gz, ...); <c>apt-helper cat-file</c>
/// decompresses whatever apt stored.
/// </summary>
public static class AptIndexFiles
{
    private const string AptHelper = "/usr/lib/apt/apt-helper";
    private static readonly string[] CompressedExtensions = [".lz4", ".xz", ".gz", ".bz2", ".zst", ".lzma"];

    /// <summary>
    /// Lists the <c>Packages</c> and English <c>Translations</c> index files apt knows, through
    /// <c>apt-get indextargets -o Acquire::Languages=en</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">apt lists no such file, or a listed file is missing (run apt-get update first).</exception>
    public static (IReadOnlyList<string> Packages, IReadOnlyList<string> Translations) Discover()
    {
        var listing = Run("apt-get", ["indextargets", "-o", "Acquire::Languages=en", "--format", "$(IDENTIFIER)\t$(LANGUAGE)\t$(FILENAME)"]);
        var packages = new List<string>();
        var translations = new List<string>();
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length == 3 && fields[0] == "Packages")
            {
                packages.Add(fields[2]);
            }
            else if (fields.Length == 3 && fields[0] == "Translations" && fields[1] == "en")
            {
                translations.Add(fields[2]);
            }
        }

        var missing = packages.Concat(translations).Where(f => !File.Exists(f)).ToArray();
        if (packages.Count == 0 || translations.Count == 0 || missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"apt lists {packages.Count} Packages and {translations.Count} Translation-en index files"
                + (missing.Length > 0 ? $" and these are missing: {string.Join(", ", missing)}" : string.Empty)
                + ". Run 'apt-get update -o Acquire::Languages=en' as root first.");
        }

        return (packages, translations);
    }

    /// <summary>Reads an index file, decompressing it with <c>apt-helper cat-file</c> when apt stored it compressed.</summary>
    /// <param name="path">The file's path.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TextReader Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Index file '{path}' does not exist.", path);
        }

        return CompressedExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase))
            ? new StringReader(Run(AptHelper, ["cat-file", path]))
            : File.OpenText(path);
    }

    private static string Run(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{program}'.");
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{program} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {errors.Result}");
        }

        return output;
    }
}
