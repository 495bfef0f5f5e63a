using System.Security.Cryptography;
using System.Text.Json;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// <c>manifest.json</c> of a training checkpoint, written last: the format and its version, the epoch, and the length
/// and SHA-256 of every other file. A checkpoint whose files do not match it is damaged and is never loaded.
/// </summary>
internal sealed class CheckpointManifest
{
    /// <summary>The manifest's file name.</summary>
    public const string FileName = "manifest.json";

    /// <summary>What <see cref="Format"/> holds in a checkpoint of this library.</summary>
    public const string ExpectedFormat = "Microsoft.ML.Lamda training checkpoint";

    /// <summary>The version this library writes and reads.</summary>
    public const int CurrentVersion = 1;

    private const long MaxManifestBytes = 1 << 20;

    /// <summary>The format's name.</summary>
    public string Format { get; set; } = ExpectedFormat;

    /// <summary>The format's version.</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>The epochs completed when the checkpoint was written.</summary>
    public int Epoch { get; set; }

    /// <summary>Every other file of the checkpoint.</summary>
    public List<CheckpointFileEntry> Files { get; set; } = [];

    /// <summary>Describes the files <paramref name="names"/> of <paramref name="directory"/> as they are now.</summary>
    public static CheckpointManifest Describe(string directory, int epoch, IEnumerable<string> names) => new()
    {
        Epoch = epoch,
        Files = names.Select(name => new CheckpointFileEntry { Name = name, Bytes = new FileInfo(Path.Combine(directory, name)).Length, Sha256 = Hash(Path.Combine(directory, name)) }).ToList(),
    };

    /// <summary>Reads the manifest of <paramref name="directory"/>; null with <paramref name="problem"/> set when it is missing or unreadable.</summary>
    public static CheckpointManifest? TryRead(string directory, out string? problem)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            problem = $"it has no {FileName} (written last: the checkpoint is half-written, or from a version before manifests)";
            return null;
        }
        try
        {
            if (new FileInfo(path).Length > MaxManifestBytes)
            {
                problem = $"its {FileName} is larger than {MaxManifestBytes} bytes";
                return null;
            }
            var manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(path));
            problem = manifest is null || manifest.Format != ExpectedFormat || manifest.Files is null || manifest.Files.Any(f => f is null || f.Name is null || f.Sha256 is null)
                ? $"its {FileName} is not the manifest of a training checkpoint of this library" : null;
            return problem is null ? manifest : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"its {FileName} cannot be read ({e.Message})";
            return null;
        }
    }

    /// <summary>Null when every listed file of <paramref name="directory"/> has its recorded length and hash; else what differs.</summary>
    public string? Verify(string directory)
    {
        foreach (var entry in Files)
        {
            var path = Path.Combine(directory, entry.Name);
            if (Path.GetFileName(entry.Name) != entry.Name || entry.Name == FileName)
                return $"its {FileName} lists '{entry.Name}', which is not a file name of the checkpoint";
            if (!File.Exists(path)) return $"'{entry.Name}' is missing";
            long length = new FileInfo(path).Length;
            if (length != entry.Bytes) return $"'{entry.Name}' is {length} bytes long, the manifest says {entry.Bytes} (truncated or overwritten)";
            if (!string.Equals(Hash(path), entry.Sha256, StringComparison.OrdinalIgnoreCase)) return $"'{entry.Name}' does not match its SHA-256 in the manifest (damaged)";
        }
        return null;
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>One file of a checkpoint: name, length and SHA-256 (lower-case hex).</summary>
internal sealed class CheckpointFileEntry
{
    /// <summary>File name inside the checkpoint folder.</summary>
    public string Name { get; set; } = "";

    /// <summary>Length in bytes.</summary>
    public long Bytes { get; set; }

    /// <summary>SHA-256 of the content, lower-case hex.</summary>
    public string Sha256 { get; set; } = "";
}
