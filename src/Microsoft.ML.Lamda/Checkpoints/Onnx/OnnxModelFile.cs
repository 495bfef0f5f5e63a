using Google.Protobuf;
using Onnx;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Reads an ONNX model file into OnnxSharp's protobuf messages (only parsing: nothing in the file is run). Files of
/// 2 GB or more cannot be one protobuf message: such exports keep their weights as external data, beside the file.
/// </summary>
internal static class OnnxModelFile
{
    /// <summary>The file name of an ONNX encoder inside a checkpoint folder.</summary>
    public const string FileName = "model.onnx";

    /// <summary>The largest file protobuf parses as one message.</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Parses <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is 2 GB or more, truncated, or not an ONNX model with a graph.</exception>
    public static ModelProto Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        if (info.Length >= MaxFileBytes)
            throw new CheckpointFormatException(path, $"the file is {info.Length:N0} bytes; an ONNX file must stay under 2 GB (protobuf's limit). "
                + "Export large models with their weights as external data (onnx.save_model(..., save_as_external_data=True)) and import the small .onnx file.");
        if (info.Length == 0)
            throw new CheckpointFormatException(path, "the file is empty; expected an ONNX model (a protobuf ModelProto).");
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CheckpointFormatException(path, $"the file is not a valid ONNX model (truncated or damaged protobuf: {e.Message}).", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new CheckpointFormatException(path, "the ONNX model has no graph nodes; expected a BERT-family encoder graph.");
        return model;
    }
}
