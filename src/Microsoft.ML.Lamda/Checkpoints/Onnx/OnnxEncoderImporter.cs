using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Imports a BERT-family encoder (BERT, RoBERTa; DeBERTa-v2/v3 where the export keeps initializer names) from an
/// ONNX export into the form a Hugging Face folder gives: an <see cref="EncoderConfig"/> inferred from the graph
/// (a <c>config.json</c> beside the file overrides any key it holds) and the weights under transformers' keys.
/// The file is only parsed: no operator of it is run.
/// </summary>
public static class OnnxEncoderImporter
{
    /// <summary>
    /// The ONNX file that <paramref name="path"/> names: the path itself when it is an <c>.onnx</c> file, or
    /// <c>model.onnx</c> inside a folder that holds no <c>model.safetensors</c> (nor its index); otherwise null.
    /// </summary>
    public static string? OnnxFileOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
            return path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? path : null;
        if (!Directory.Exists(path)
            || File.Exists(Path.Combine(path, CheckpointWeights.SafetensorsFileName)) || File.Exists(Path.Combine(path, CheckpointWeights.IndexFileName)))
            return null;
        var onnx = Path.Combine(path, OnnxModelFile.FileName);
        return File.Exists(onnx) ? onnx : null;
    }

    /// <summary>The folder holding the tokenizer files for checkpoint path <paramref name="path"/> (an .onnx file's folder, else the path).</summary>
    public static string FolderOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return File.Exists(path) ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;
    }

    /// <summary>
    /// Writes the encoder of <paramref name="onnxPath"/> as a Hugging Face folder: <c>config.json</c>, float32
    /// <c>model.safetensors</c> under transformers' keys, and the tokenizer files found beside the ONNX file.
    /// </summary>
    /// <param name="onnxPath">The ONNX file.</param>
    /// <param name="directory">The folder to write (all or nothing: staged beside it, then moved into place); it must not exist or be empty unless <paramref name="overwrite"/>.</param>
    /// <param name="overwrite">Replace an existing non-empty folder.</param>
    /// <param name="log">Receives what was inferred.</param>
    /// <returns>The configuration written.</returns>
    /// <exception cref="FileNotFoundException">The ONNX file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The graph is not a recognisable encoder, or a weight is missing, misshapen or unreadable.</exception>
    /// <exception cref="IOException">The folder is not empty and <paramref name="overwrite"/> is false.</exception>
    public static EncoderConfig ConvertToHuggingFace(string onnxPath, string directory, bool overwrite = false, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.GetFullPath(directory);
        if (!overwrite && Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new IOException($"Cannot write to folder '{directory}': it exists and is not empty. Remove it or ask to overwrite it.");
        var (config, weights) = Import(onnxPath, log);
        using (weights)
        {
            var source = Path.GetDirectoryName(Path.GetFullPath(onnxPath))!;
            Export.ExportTarget.WriteFolder(directory, overwrite, staging =>
            {
                File.WriteAllText(Path.Combine(staging, EncoderConfig.FileName), config.ToJson());
                var tensors = weights.Tensors.Keys.Order(StringComparer.Ordinal).Select(key => KeyValuePair.Create(key, weights.Read(key))).ToList();
                try
                {
                    SafetensorsWriter.Write(Path.Combine(staging, CheckpointWeights.SafetensorsFileName), tensors, ScalarType.Float32, new Dictionary<string, string> { ["format"] = "pt" });
                }
                finally
                {
                    foreach (var (_, tensor) in tensors)
                        tensor.Dispose();
                }
                foreach (var name in TokenizerFileNames.Where(name => File.Exists(Path.Combine(source, name))))
                    File.Copy(Path.Combine(source, name), Path.Combine(staging, name));
            });
        }
        log?.Invoke($"Wrote {config.ModelType} encoder ({config.NumHiddenLayers} layers, hidden size {config.HiddenSize}, {config.NumAttentionHeads} heads) to '{directory}'.");
        return config;
    }

    /// <summary>The tokenizer files copied beside an imported model.</summary>
    internal static IReadOnlyList<string> TokenizerFileNames { get; } =
        ["vocab.txt", "vocab.json", "merges.txt", "spm.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"];

    /// <summary>Reads the configuration and weights of <paramref name="onnxPath"/>; the caller disposes the weights.</summary>
    internal static (EncoderConfig Config, CheckpointWeights Weights) Import(string onnxPath, Action<string>? log)
    {
        var model = OnnxModelFile.Read(onnxPath);
        var graph = new OnnxGraphIndex(model.Graph, new OnnxTensorData(onnxPath));
        var tensors = OnnxEncoderWeights.Read(graph);
        var weights = CheckpointWeights.FromTensors(onnxPath, tensors);
        try
        {
            var prefix = OnnxConfigInference.Prefix(tensors, onnxPath);
            var inferred = OnnxConfigInference.Infer(graph, tensors, prefix, log);
            var config = Configure(onnxPath, inferred, log);
            CheckShapes(config, tensors, prefix, onnxPath);
            log?.Invoke($"Imported ONNX encoder '{onnxPath}': {config.ModelType}, {config.NumHiddenLayers} layers, hidden size {config.HiddenSize}, {config.NumAttentionHeads} heads, "
                + $"feed-forward {config.IntermediateSize}, vocabulary {config.VocabSize}, {config.MaxPositionEmbeddings} positions, {config.TypeVocabSize} token type(s), LayerNorm epsilon {config.LayerNormEps:G3}, {config.HiddenAct}.");
            return (config, weights);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>The inferred keys, overridden by those of a <c>config.json</c> beside the ONNX file.</summary>
    private static EncoderConfig Configure(string onnxPath, Dictionary<string, object> inferred, Action<string>? log)
    {
        var root = new JsonObject();
        foreach (var (key, value) in inferred)
            root[key] = value is string[] items ? new JsonArray(items.Select(item => (JsonNode?)item).ToArray()) : JsonValue.Create(value);
        var beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, EncoderConfig.FileName);
        if (!File.Exists(beside))
            return EncoderConfig.Parse(root.ToJsonString(), onnxPath);
        JsonObject overrides;
        try
        {
            overrides = JsonNode.Parse(File.ReadAllText(beside)) as JsonObject ?? throw new CheckpointFormatException(beside, "config.json must hold a JSON object.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CheckpointFormatException(beside, $"config.json is not valid JSON ({e.Message}).", e);
        }
        foreach (var (key, value) in overrides)
            root[key] = value?.DeepClone();
        log?.Invoke($"ONNX import: '{beside}' overrides the settings inferred from the graph ({string.Join(", ", overrides.Select(pair => pair.Key).Take(8))}{(overrides.Count > 8 ? ", ..." : "")}).");
        return EncoderConfig.Parse(root.ToJsonString(), beside);
    }

    /// <summary>Checks the weights of every layer against the configuration, naming the initializer that disagrees.</summary>
    private static void CheckShapes(EncoderConfig config, Dictionary<string, Tensor> tensors, string prefix, string file)
    {
        long hidden = config.HiddenSize, ffn = config.IntermediateSize;
        bool deberta = config.Family == EncoderFamily.DebertaV2;
        var expected = new List<(string Key, long[] Shape)>
        {
            ("embeddings.word_embeddings.weight", [config.VocabSize, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]),
        };
        if (!deberta || config.PositionBiasedInput) expected.Add(("embeddings.position_embeddings.weight", [config.MaxPositionEmbeddings, hidden]));
        if (config.TypeVocabSize > 0) expected.Add(("embeddings.token_type_embeddings.weight", [config.TypeVocabSize, hidden]));
        var (query, key, value) = deberta ? ("query_proj", "key_proj", "value_proj") : ("query", "key", "value");
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            var layer = $"encoder.layer.{i}";
            foreach (var projection in new[] { query, key, value })
            {
                expected.Add(($"{layer}.attention.self.{projection}.weight", [hidden, hidden]));
                expected.Add(($"{layer}.attention.self.{projection}.bias", [hidden]));
            }
            expected.Add(($"{layer}.attention.output.dense.weight", [hidden, hidden]));
            expected.Add(($"{layer}.intermediate.dense.weight", [ffn, hidden]));
            expected.Add(($"{layer}.intermediate.dense.bias", [ffn]));
            expected.Add(($"{layer}.output.dense.weight", [hidden, ffn]));
            expected.Add(($"{layer}.output.LayerNorm.weight", [hidden]));
        }
        foreach (var (name, shape) in expected)
        {
            if (!tensors.TryGetValue(prefix + name, out var tensor))
                throw new CheckpointFormatException(file, $"the graph has no weight '{prefix}{name}' (expected shape [{string.Join(", ", shape)}]) for the inferred {config.ModelType} encoder of {config.NumHiddenLayers} layers.");
            if (!tensor.shape.SequenceEqual(shape))
                throw new CheckpointFormatException(file, $"weight '{prefix}{name}' has shape [{string.Join(", ", tensor.shape)}], but the inferred configuration (hidden size {hidden}, feed-forward {ffn}, vocabulary {config.VocabSize}) needs [{string.Join(", ", shape)}].");
        }
    }
}
