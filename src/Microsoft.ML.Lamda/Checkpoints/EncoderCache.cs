using System.Security.Cryptography;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>One file of a cached encoder folder: its name in the folder and how to read its bytes.</summary>
/// <param name="Name">File name inside the folder (no directory part).</param>
/// <param name="Open">Opens a fresh stream over the file's bytes; called once per read, the caller disposes it.</param>
internal sealed record EncoderCacheFile(string Name, Func<Stream> Open);

/// <summary>
/// The per-user cache of encoder folders shipped inside assemblies (the embedded encoder, all-MiniLM-L6-v2 of the
/// companion package): each is extracted once into <c>NAME-HASH</c>, HASH being the first 16 hex digits of the SHA-256
/// over every file's name and bytes, so a folder's name says what it holds. A new folder is written under a staging
/// name and renamed into place (a folder that exists is complete); a cached file whose bytes no longer match (damaged,
/// truncated, deleted) is rewritten atomically (temporary file, then rename over it).
/// </summary>
internal static class EncoderCache
{
    /// <summary>Environment variable that, when set, names the cache folder instead of the per-user default.</summary>
    public const string CacheDirectoryVariable = "LAMDA_CACHE_DIR";

    /// <summary>
    /// <c>$LAMDA_CACHE_DIR</c> when set, else <c>Microsoft.ML.Lamda/encoders</c> under the user's local application
    /// data folder (the temporary folder where the user has none).
    /// </summary>
    public static string Root
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(CacheDirectoryVariable);
            if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
            var userData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return Path.Combine(string.IsNullOrEmpty(userData) ? Path.GetTempPath() : userData, "Microsoft.ML.Lamda", "encoders");
        }
    }

    /// <summary>
    /// The folder <c>root/name-HASH</c> holding exactly <paramref name="files"/>: created when missing, its damaged or
    /// missing files rewritten when it exists, reused as it is otherwise.
    /// </summary>
    public static string Extract(string root, string name, IReadOnlyList<EncoderCacheFile> files)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (files.Count == 0) throw new ArgumentException($"Encoder '{name}' has no files to cache.", nameof(files));
        var digests = Digests(files, out var folderHash);
        var target = Path.Combine(root, $"{name}-{folderHash}");
        if (Directory.Exists(target))
        {
            for (int i = 0; i < files.Count; i++)
                if (!Matches(Path.Combine(target, files[i].Name), digests[i])) Rewrite(target, files[i]);
            return target;
        }

        Directory.CreateDirectory(root);
        var staging = $"{target}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var file in files) Copy(file, Path.Combine(staging, file.Name));
            Directory.Move(staging, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another process extracted the same content first; its folder is complete.
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return target;
    }

    /// <summary>Each file's length and SHA-256, and the folder hash over every file's name and bytes.</summary>
    private static (long Length, byte[] Sha256)[] Digests(IReadOnlyList<EncoderCacheFile> files, out string folderHash)
    {
        using var folder = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var digests = new (long, byte[])[files.Count];
        var buffer = new byte[1 << 16];
        for (int i = 0; i < files.Count; i++)
        {
            if (Path.GetFileName(files[i].Name) != files[i].Name || files[i].Name.Length == 0)
                throw new ArgumentException($"Cached file name '{files[i].Name}' must be a plain file name.", nameof(files));
            folder.AppendData(System.Text.Encoding.UTF8.GetBytes(files[i].Name + "\0"));
            using var single = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var stream = files[i].Open();
            long length = 0;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                folder.AppendData(buffer, 0, read);
                single.AppendData(buffer, 0, read);
                length += read;
            }
            digests[i] = (length, single.GetHashAndReset());
        }
        folderHash = Convert.ToHexStringLower(folder.GetHashAndReset())[..16];
        return digests;
    }

    private static bool Matches(string path, (long Length, byte[] Sha256) expected)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != expected.Length) return false;
            using var stream = info.OpenRead();
            return SHA256.HashData(stream).AsSpan().SequenceEqual(expected.Sha256);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Writes the file beside its damaged copy under a temporary name, then renames it over that copy.</summary>
    private static void Rewrite(string folder, EncoderCacheFile file)
    {
        var path = Path.Combine(folder, file.Name);
        var temporary = $"{path}.partial-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            Copy(file, temporary);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static void Copy(EncoderCacheFile file, string path)
    {
        using var source = file.Open();
        using var target = File.Create(path);
        source.CopyTo(target);
    }
}
