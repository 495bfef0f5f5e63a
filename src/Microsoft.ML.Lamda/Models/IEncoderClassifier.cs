using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>The root module of a sequence-classification network: encoder plus task head.</summary>
internal interface IEncoderClassifier
{
    /// <summary>Dotted names of the task-head modules (trained in full).</summary>
    IReadOnlyList<string> HeadModuleNames { get; }

    /// <summary>The encoder's last hidden state [batch, seq, hidden] for int64 ids and mask.</summary>
    Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds);

    /// <summary>Logits [batch, labels] from the last hidden state.</summary>
    Tensor Classify(Tensor hidden);
}
