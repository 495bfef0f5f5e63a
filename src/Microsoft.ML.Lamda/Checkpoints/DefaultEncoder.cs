using System.Reflection;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// The encoder embedded in this library, <c>lamda-mini-deberta-v3</c> (a 4-layer DeBERTa-v3-architecture
/// encoder, hidden size 256, pretrained on English Debian package descriptions): what the trainers fine-tune
/// when no checkpoint folder is given. Its files are extracted on first use into a per-user cache folder named
/// by their content hash, atomically (a folder that exists is complete; a damaged file in it is rewritten), so later
/// runs reuse it.
/// </summary>
public static class DefaultEncoder
{
    /// <summary>Name of the embedded encoder.</summary>
    public const string Name = "lamda-mini-deberta-v3";

    /// <summary>Environment variable that, when set, names the cache folder instead of the per-user default.</summary>
    public const string CacheDirectoryVariable = EncoderCache.CacheDirectoryVariable;

    private const string ResourcePrefix = "Microsoft.ML.Lamda.DefaultEncoder/";

    /// <summary>The files of the checkpoint folder, as Hugging Face names them.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["config.json", "model.safetensors", "spm.model", "tokenizer_config.json", "special_tokens_map.json"];

    private static readonly Lazy<string> ExtractedDirectory = new(Extract, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Folder holding the encoder's checkpoint files (config.json, model.safetensors, spm.model and the tokenizer
    /// settings), extracted from the library on first use.
    /// </summary>
    /// <exception cref="InvalidOperationException">The library was built without the encoder's files.</exception>
    public static string Directory => ExtractedDirectory.Value;

    /// <summary>
    /// The cache root: <c>$LAMDA_CACHE_DIR</c> when set, else <c>Microsoft.ML.Lamda/encoders</c> under the
    /// user's local application data folder (the temporary folder where the user has none).
    /// </summary>
    public static string CacheRoot => EncoderCache.Root;

    private static string Extract()
    {
        var assembly = typeof(DefaultEncoder).Assembly;
        var missing = FileNames.Where(name => assembly.GetManifestResourceInfo(ResourcePrefix + name) is null).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"This build of {assembly.GetName().Name} does not embed the default encoder {Name} (missing: {string.Join(", ", missing)}); " +
                "set ModelPath to the folder of a pretrained encoder checkpoint, or rebuild with samples/Models/lamda-mini-deberta-v3 present.");
        return EncoderCache.Extract(CacheRoot, Name, FileNames.Select(name => new EncoderCacheFile(name, () => OpenResource(assembly, name))).ToList());
    }

    private static Stream OpenResource(Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(ResourcePrefix + name)
        ?? throw new InvalidOperationException($"Embedded resource '{ResourcePrefix + name}' of the default encoder is missing.");
}
