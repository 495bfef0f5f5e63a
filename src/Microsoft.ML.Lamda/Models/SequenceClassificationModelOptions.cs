using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>How to build or load a <see cref="SequenceClassificationModel"/>.</summary>
public sealed class SequenceClassificationModelOptions
{
    /// <summary>
    /// The number of outputs of the task head (1 for regression). Null keeps the checkpoint's (config.json's
    /// <c>id2label</c> / <c>num_labels</c>); a different count replaces the checkpoint's head with a fresh one.
    /// </summary>
    public int? NumLabels { get; set; }

    /// <summary>Where the model runs: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>The parameter dtype: float32 (default), bfloat16 or float16.</summary>
    public ScalarType DType { get; set; } = ScalarType.Float32;

    /// <summary>Receives progress and warnings (device choice, freshly initialised heads).</summary>
    public Action<string>? Log { get; set; }
}
