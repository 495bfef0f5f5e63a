namespace Microsoft.ML.Lamda.Export;

/// <summary>
/// Writes a set of files into a folder all or nothing: everything is written into a temporary folder beside the
/// target first and moved into place only when all of it succeeded, so a failed export leaves no partial file.
/// Existing non-empty targets are refused unless overwriting was asked for.
/// </summary>
internal static class ExportTarget
{
    /// <summary>
    /// Writes the files named by <paramref name="fileNames"/> into <paramref name="directory"/> (created when missing):
    /// <paramref name="write"/> receives a staging folder and must create exactly those files there.
    /// </summary>
    /// <exception cref="IOException">A target file exists, is not empty, and <paramref name="overwrite"/> is false; or a target is a folder; or the folder cannot be written.</exception>
    public static void WriteFiles(string directory, IReadOnlyCollection<string> fileNames, bool overwrite, Action<string> write)
    {
        foreach (var name in fileNames)
        {
            var target = Path.Combine(directory, name);
            if (Directory.Exists(target))
                throw new IOException($"Cannot export to '{target}': it is a folder.");
            if (!overwrite && File.Exists(target) && new FileInfo(target).Length > 0)
                throw new IOException($"Cannot export to '{target}': the file exists. Remove it or ask to overwrite it (ModelExportOptions.Overwrite).");
        }
        var staging = CreateStaging(directory, Path.Combine(directory, ".lamda-export-" + Guid.NewGuid().ToString("N")[..12]));
        try
        {
            write(staging);
            foreach (var name in fileNames)
                File.Move(Path.Combine(staging, name), Path.Combine(directory, name), overwrite: true);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// Writes a whole folder at <paramref name="directory"/>: <paramref name="write"/> fills a staging folder, which
    /// then replaces the target (an existing empty folder, or a non-empty one when <paramref name="overwrite"/>).
    /// </summary>
    /// <exception cref="IOException">The folder exists, is not empty, and <paramref name="overwrite"/> is false; or a file is in the way; or the parent cannot be written.</exception>
    public static void WriteFolder(string directory, bool overwrite, Action<string> write)
    {
        var full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(full))
            throw new IOException($"Cannot export to folder '{directory}': it is a file.");
        if (!overwrite && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new IOException($"Cannot export to folder '{directory}': it exists and is not empty. Remove it or ask to overwrite it (ModelExportOptions.Overwrite).");
        var parent = Path.GetDirectoryName(full) ?? throw new IOException($"Cannot export to folder '{directory}': it has no parent folder.");
        var staging = CreateStaging(parent, $"{full}.lamda-export-{Guid.NewGuid().ToString("N")[..12]}");
        try
        {
            write(staging);
            if (Directory.Exists(full))
                Directory.Delete(full, recursive: true);
            Directory.Move(staging, full);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static string CreateStaging(string parent, string staging)
    {
        try
        {
            Directory.CreateDirectory(parent);
            Directory.CreateDirectory(staging);
            return staging;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"Cannot export to '{parent}': the folder cannot be written ({e.Message}).", e);
        }
    }
}
