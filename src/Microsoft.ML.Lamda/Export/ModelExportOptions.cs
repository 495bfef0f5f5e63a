namespace Microsoft.ML.Lamda;

/// <summary>How <c>ExportToOnnx</c> and <c>ExportToHuggingFace</c> write a model.</summary>
public sealed class ModelExportOptions
{
    /// <summary>Replace an existing non-empty target (the .onnx file and the files beside it, or the folder); false refuses it.</summary>
    public bool Overwrite { get; set; }

    /// <summary>
    /// ONNX only: store the weights as float16 (half the file size); the graph casts them to float32 when loaded and
    /// computes in float32. False (the default) stores float32 weights.
    /// </summary>
    public bool Float16Weights { get; set; }
}
