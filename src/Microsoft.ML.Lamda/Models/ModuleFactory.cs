using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>Builds layers initialised as transformers' <c>_init_weights</c> does (normal(0, initializer_range), zero bias, unit LayerNorm).</summary>
internal static class ModuleFactory
{
    public static nn.Module<Tensor, Tensor> Linear(long inputSize, long outputSize, double std, bool hasBias = true)
    {
        var linear = nn.Linear(inputSize, outputSize, hasBias);
        using var noGrad = torch.no_grad();
        nn.init.normal_(linear.weight, 0, std);
        if (linear.bias is not null)
            nn.init.zeros_(linear.bias);
        return linear;
    }

    public static TorchSharp.Modules.Embedding Embedding(long count, long size, double std, long? paddingIndex = null)
    {
        var embedding = nn.Embedding(count, size, padding_idx: paddingIndex);
        using var noGrad = torch.no_grad();
        nn.init.normal_(embedding.weight!, 0, std);
        if (paddingIndex is long pad)
        {
            using var row = embedding.weight!.select(0, pad);
            row.zero_();
        }
        return embedding;
    }

    public static TorchSharp.Modules.LayerNorm LayerNorm(long size, double eps) => nn.LayerNorm(size, eps);

    /// <summary>An additive attention mask [batch, 1, 1, seq]: 0 where <paramref name="attentionMask"/> is 1, the dtype's lowest value where it is 0.</summary>
    public static Tensor AdditiveKeyMask(Tensor attentionMask, ScalarType dtype)
    {
        using var keep = attentionMask.to(ScalarType.Bool);
        using var zeros = torch.zeros(attentionMask.shape, dtype, attentionMask.device);
        using var masked = zeros.masked_fill(keep.logical_not(), torch.finfo(dtype).min);
        return masked.view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);
    }
}
