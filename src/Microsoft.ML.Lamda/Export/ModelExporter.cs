using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.ML.Lamda.Checkpoints;

namespace Microsoft.ML.Lamda.Export;

/// <summary>Writes an <see cref="ExportSource"/> as an ONNX file (with its tokenizer and manifest beside it) or as a Hugging Face folder.</summary>
internal static class ModelExporter
{
    /// <summary>The most weight bytes one ONNX file takes (protobuf messages stop at 2 GiB; room is left for the graph).</summary>
    private const long MaxProtobufBytes = 2_000_000_000;

    /// <summary>
    /// Writes <paramref name="path"/> (the ONNX graph), <c>PATH.json</c> (the manifest) and the tokenizer files into
    /// the folder of <paramref name="path"/>, all or nothing.
    /// </summary>
    public static void ToOnnx(ExportSource source, string path, ModelExportOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new ModelExportOptions();
        var full = Path.GetFullPath(path);
        var fileName = Path.GetFileName(full);
        if (fileName.Length == 0)
            throw new ArgumentException($"'{path}' names a folder; give the path of the .onnx file to write.", nameof(path));
        var directory = Path.GetDirectoryName(full)!;
        var manifestName = ExportManifest.FileNameFor(fileName);
        var tokenizerFiles = source.Tokenizer?.Files ?? new Dictionary<string, byte[]>();
        var clash = tokenizerFiles.Keys.FirstOrDefault(name => name == fileName || name == manifestName);
        if (clash is not null)
            throw new ArgumentException($"'{path}' would overwrite the tokenizer file '{clash}' written beside it; choose another file name.", nameof(path));
        var weightBytes = source.Model.Network.parameters().Sum(parameter => parameter.numel()) * (options.Float16Weights ? 2L : 4L);
        if (weightBytes > MaxProtobufBytes)
            throw new NotSupportedException($"The {source.Model.Config.ModelType} model's weights take {weightBytes / (1024.0 * 1024 * 1024):F2} GiB"
                + $"{(options.Float16Weights ? " as float16" : " as float32")}; a single ONNX file holds at most 2 GiB (protobuf's limit)"
                + (options.Float16Weights ? "." : "; export with float16 weights (ModelExportOptions.Float16Weights)."));
        var metadata = new Dictionary<string, string>
        {
            ["model_type"] = source.Model.Config.ModelType,
            ["task"] = source.Classification ? "classification" : "similarity",
            ["labels"] = JsonSerializer.Serialize(source.Labels),
        };
        if (source.Tokenizer is { } tokenizer)
            metadata["max_length"] = tokenizer.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ExportTarget.WriteFiles(directory, [fileName, manifestName, .. tokenizerFiles.Keys], options.Overwrite, staging =>
        {
            // Built only once the targets are known to be writable: the graph holds a copy of every weight.
            var model = OnnxEncoderGraph.Build(source.Model, source.Classification, options.Float16Weights, metadata);
            var inputs = model.Graph.Input.Select(input => input.Name).ToArray();
            var outputs = model.Graph.Output.Select(output => output.Name).ToArray();
            using (var stream = File.Create(Path.Combine(staging, fileName)))
                model.WriteTo(stream);
            File.WriteAllText(Path.Combine(staging, manifestName), ExportManifest.Write(source, inputs, outputs, options.Float16Weights));
            foreach (var (name, bytes) in tokenizerFiles)
                File.WriteAllBytes(Path.Combine(staging, name), bytes);
        });
    }

    /// <summary>
    /// Writes <c>config.json</c> (labels, architectures, problem type), float32 <c>model.safetensors</c> with
    /// transformers' keys, and the tokenizer files into the folder <paramref name="directory"/>, all or nothing.
    /// </summary>
    public static void ToHuggingFace(ExportSource source, string directory, ModelExportOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new ModelExportOptions();
        ExportTarget.WriteFolder(directory, options.Overwrite, staging =>
        {
            source.Model.SavePretrained(staging);
            File.WriteAllText(Path.Combine(staging, EncoderConfig.FileName), HuggingFaceConfig(source));
            foreach (var (name, bytes) in source.Tokenizer?.Files ?? new Dictionary<string, byte[]>())
                File.WriteAllBytes(Path.Combine(staging, name), bytes);
        });
    }

    /// <summary>The model's config.json with the label names, <c>architectures</c> and <c>problem_type</c>.</summary>
    private static string HuggingFaceConfig(ExportSource source)
    {
        var config = source.Model.Config with { Labels = source.Labels };
        var root = (JsonObject)JsonNode.Parse(config.ToJson())!;
        root["architectures"] = new JsonArray(Architecture(config));
        root["problem_type"] = source.Classification ? "single_label_classification" : "regression";
        root["torch_dtype"] = "float32";
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Architecture(EncoderConfig config) => config.ModelType switch
    {
        "bert" => "BertForSequenceClassification",
        "roberta" => "RobertaForSequenceClassification",
        "xlm-roberta" => "XLMRobertaForSequenceClassification",
        "camembert" => "CamembertForSequenceClassification",
        "deberta-v2" => "DebertaV2ForSequenceClassification",
        _ => throw new NotSupportedException($"model_type '{config.ModelType}' has no Hugging Face exporter."),
    };
}
