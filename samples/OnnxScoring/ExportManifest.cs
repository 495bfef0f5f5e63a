using System.Text.Json;

namespace Microsoft.ML.Lamda.Samples.OnnxScoring;

/// <summary>What <c>MODEL.onnx.json</c> (written beside the exported graph) says: inputs, outputs, labels, tokenization.</summary>
public sealed class ExportManifest
{
    private ExportManifest(string onnxPath, JsonElement root)
    {
        OnnxPath = onnxPath;
        Task = root.GetProperty("task").GetString()!;
        Inputs = root.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Outputs = root.GetProperty("outputs").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Labels = root.GetProperty("labels").EnumerateArray().Select(e => e.GetString()!).ToArray();
        if (!root.TryGetProperty("tokenizer", out var tokenizer))
            throw new InvalidDataException($"'{onnxPath}.json' has no 'tokenizer' section: export the fitted transformer (not a bare model) to get the tokenizer files.");
        TokenizerType = tokenizer.GetProperty("type").GetString()!;
        MaxLength = tokenizer.GetProperty("max_length").GetInt32();
        Pairs = tokenizer.GetProperty("text_pairs").GetBoolean();
        ClsTokenId = tokenizer.GetProperty("cls_token_id").GetInt32();
        SepTokenId = tokenizer.GetProperty("sep_token_id").GetInt32();
        PadTokenId = tokenizer.GetProperty("pad_token_id").GetInt32();
        UnknownTokenId = tokenizer.GetProperty("unk_token_id").ValueKind == JsonValueKind.Number ? tokenizer.GetProperty("unk_token_id").GetInt32() : null;
        DoubleSeparator = tokenizer.GetProperty("pair_template").GetString()!.Contains("SEP SEP", StringComparison.Ordinal);
    }

    /// <summary>The .onnx file.</summary>
    public string OnnxPath { get; }

    /// <summary>The folder holding the graph and the tokenizer files.</summary>
    public string Directory => Path.GetDirectoryName(OnnxPath)!;

    /// <summary><c>classification</c> or <c>similarity</c>.</summary>
    public string Task { get; }

    /// <summary>The graph's inputs (<c>input_ids</c>, <c>attention_mask</c>, maybe <c>token_type_ids</c>).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The graph's outputs (<c>logits</c>, and <c>probabilities</c> for classification).</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Class names, by output index.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>WordPiece, SentencePiece or ByteLevelBpe.</summary>
    public string TokenizerType { get; }

    /// <summary>True when the model scores pairs of texts (Text2 is used), false for single texts.</summary>
    public bool Pairs { get; }

    /// <summary>Longest token sequence, special tokens included.</summary>
    public int MaxLength { get; }

    public int ClsTokenId { get; }

    public int SepTokenId { get; }

    public int PadTokenId { get; }

    /// <summary>The unknown token's id; null for a byte-level vocabulary without one.</summary>
    public int? UnknownTokenId { get; }

    /// <summary>RoBERTa's pairs: two separators between the texts.</summary>
    public bool DoubleSeparator { get; }

    /// <summary>Reads <c>ONNXPATH.json</c>.</summary>
    public static ExportManifest Load(string onnxPath)
    {
        var path = onnxPath + ".json";
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"'{onnxPath}' does not exist.", onnxPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' (written beside the graph by ExportToOnnx) does not exist.", path);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new ExportManifest(Path.GetFullPath(onnxPath), document.RootElement.Clone());
    }
}
