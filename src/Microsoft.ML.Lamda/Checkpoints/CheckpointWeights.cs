using System.Text.Json;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// The weights of a Hugging Face checkpoint folder: <c>model.safetensors</c>, or the shards named by
/// <c>model.safetensors.index.json</c>, or tensors already in memory (an imported ONNX encoder). Pickle-based files
/// (<c>pytorch_model.bin</c>) are refused, never parsed.
/// </summary>
public sealed class CheckpointWeights : IDisposable
{
    /// <summary>The single-file weights name.</summary>
    public const string SafetensorsFileName = "model.safetensors";

    /// <summary>The index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsReader> _readers;
    private readonly Dictionary<string, SafetensorsReader> _readerByKey;
    private readonly Dictionary<string, Tensor>? _inMemory;
    private readonly string? _inMemoryFile;

    private CheckpointWeights(List<SafetensorsReader> readers, Dictionary<string, SafetensorsReader> readerByKey)
    {
        _readers = readers;
        _readerByKey = readerByKey;
        Tensors = readerByKey.ToDictionary(pair => pair.Key, pair => pair.Value.Tensors[pair.Key], StringComparer.Ordinal);
    }

    private CheckpointWeights(string file, Dictionary<string, Tensor> tensors)
    {
        _readers = [];
        _readerByKey = [];
        _inMemory = tensors;
        _inMemoryFile = file;
        Tensors = tensors.ToDictionary(pair => pair.Key,
            pair => new SafetensorsTensorInfo(pair.Key, SafetensorsDType.NameOf(pair.Value.dtype) ?? pair.Value.dtype.ToString(), pair.Value.shape, 0, 0),
            StringComparer.Ordinal);
    }

    /// <summary>The weights files, in the order they were opened.</summary>
    public IReadOnlyList<string> Files => _inMemoryFile is not null ? [_inMemoryFile] : _readers.Select(reader => reader.FilePath).ToArray();

    /// <summary>Every tensor key of the checkpoint with its dtype, shape and byte range.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The file that holds <paramref name="key"/>.</summary>
    public string FileOf(string key) => _inMemoryFile ?? _readerByKey[key].FilePath;

    /// <summary>Reads one tensor into a new CPU tensor of the file's dtype; the caller disposes it.</summary>
    public Tensor Read(string key) => _inMemory is not null
        ? (_inMemory.TryGetValue(key, out var tensor) ? tensor.clone() : throw new KeyNotFoundException($"The checkpoint has no tensor '{key}'."))
        : _readerByKey.TryGetValue(key, out var reader)
            ? reader.Read(key)
            : throw new KeyNotFoundException($"The checkpoint has no tensor '{key}'.");

    /// <summary>
    /// Weights held in memory under checkpoint keys (e.g. read from an ONNX graph); <paramref name="file"/> names their
    /// source in errors. The instance takes ownership of the tensors and disposes them.
    /// </summary>
    internal static CheckpointWeights FromTensors(string file, Dictionary<string, Tensor> tensors) => new(file, tensors);

    /// <summary>Opens the weights of the checkpoint folder <paramref name="directory"/> and validates every header.</summary>
    /// <exception cref="FileNotFoundException">The folder has no weights file.</exception>
    /// <exception cref="CheckpointFormatException">The folder holds only pickle weights (the message says how to convert them), or a weights file or the index is malformed.</exception>

    public static CheckpointWeights Open(string directory)
    {
        var single = Path.Combine(directory, SafetensorsFileName);
        if (File.Exists(single))
            return FromFiles([single], shardOfKey: null);
        var index = Path.Combine(directory, IndexFileName);
        if (File.Exists(index))
            return FromIndex(directory, index);
        var pickle = new[] { "pytorch_model.bin", "pytorch_model.bin.index.json" }.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
        if (pickle is not null)
            throw new CheckpointFormatException(pickle, PickleRefusal);
        throw new FileNotFoundException($"Checkpoint folder '{directory}' has no {SafetensorsFileName} (nor {IndexFileName}).", single);
    }

    /// <summary>Closes every file.</summary>
    public void Dispose()
    {
        foreach (var reader in _readers)
            reader.Dispose();
        if (_inMemory is not null)
        {
            foreach (var tensor in _inMemory.Values)
                tensor.Dispose();
        }
    }

    private static CheckpointWeights FromIndex(string directory, string index)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new CheckpointFormatException(index, "the index has no 'weight_map' object mapping tensor keys to shard files.");
            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : "";
                if (file.Length == 0 || Path.GetFileName(file) != file)
                    throw new CheckpointFormatException(index, $"'weight_map' entry '{entry.Name}' must name a file in the same folder, found {entry.Value.GetRawText()}.");
                weightMap[entry.Name] = file;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointFormatException(index, $"the index is not valid JSON ({e.Message}).", e);
        }
        var shards = weightMap.Values.Distinct(StringComparer.Ordinal).Select(file => Path.Combine(directory, file)).ToList();
        foreach (var shard in shards.Where(shard => !File.Exists(shard)))
            throw new CheckpointFormatException(index, $"the index names shard '{Path.GetFileName(shard)}', which is not in the folder.");
        return FromFiles(shards, weightMap.ToDictionary(pair => pair.Key, pair => Path.Combine(directory, pair.Value), StringComparer.Ordinal), index);
    }

    private static CheckpointWeights FromFiles(List<string> files, Dictionary<string, string>? shardOfKey, string? index = null)
    {
        var readers = new List<SafetensorsReader>();
        try
        {
            var readerByKey = new Dictionary<string, SafetensorsReader>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var reader = SafetensorsReader.Open(file);
                readers.Add(reader);
                foreach (var key in reader.Tensors.Keys)
                {
                    if (shardOfKey is not null && (!shardOfKey.TryGetValue(key, out var expected) || expected != file))
                        throw new CheckpointFormatException(index!, $"tensor '{key}' is stored in '{Path.GetFileName(file)}' but the index does not map it there.");
                    if (!readerByKey.TryAdd(key, reader))
                        throw new CheckpointFormatException(file, $"tensor '{key}' is also stored in '{readerByKey[key].FilePath}'.");
                }
            }
            if (shardOfKey is not null)
            {
                foreach (var (key, file) in shardOfKey.Where(pair => !readerByKey.ContainsKey(pair.Key)))
                    throw new CheckpointFormatException(index!, $"the index maps tensor '{key}' to '{Path.GetFileName(file)}', which does not hold it.");
            }
            return new CheckpointWeights(readers, readerByKey);
        }
        catch
        {
            foreach (var reader in readers)
                reader.Dispose();
            throw;
        }
    }

    private const string PickleRefusal =
        "the folder holds only PyTorch pickle weights, which this library refuses to read: unpickling can run arbitrary code. "
        + "Convert the checkpoint to safetensors once with Python, e.g. "
        + "`from transformers import AutoModelForSequenceClassification as M; M.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)` "
        + "(AutoModel for a base model), then load the folder again.";
}
