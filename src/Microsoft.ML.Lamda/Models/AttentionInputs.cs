using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>What every layer's self-attention receives besides the hidden states.</summary>
/// <param name="KeyMask">Additive mask over keys, [batch, 1, 1, seq].</param>
/// <param name="RelativePositions">DeBERTa: bucketed relative positions [seq, seq] (int64); null otherwise.</param>
/// <param name="RelativeEmbeddings">DeBERTa: the (normalised) relative position embeddings [2 × span, hidden]; null otherwise.</param>
internal sealed record AttentionInputs(Tensor KeyMask, Tensor? RelativePositions = null, Tensor? RelativeEmbeddings = null);

/// <summary>A self-attention of an encoder layer: hidden states [batch, seq, hidden] in, context [batch, seq, hidden] out.</summary>
internal interface ISelfAttention
{
    Tensor Attend(Tensor hidden, AttentionInputs inputs);
}
