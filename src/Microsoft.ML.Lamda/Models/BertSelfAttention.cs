using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>BERT/RoBERTa <c>attention.self</c>: multi-head scaled dot-product attention (fused kernel) over query/key/value projections.</summary>
internal sealed class BertSelfAttention : nn.Module, ISelfAttention
{
    private nn.Module<Tensor, Tensor> query;
    private nn.Module<Tensor, Tensor> key;
    private nn.Module<Tensor, Tensor> value;
    private readonly long _heads;
    private readonly long _headSize;
    private readonly double _dropout;

    public BertSelfAttention(EncoderConfig config) : base(nameof(BertSelfAttention))
    {
        query = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, config.InitializerRange);
        key = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, config.InitializerRange);
        value = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, config.InitializerRange);
        _heads = config.NumAttentionHeads;
        _headSize = config.AttentionHeadSize;
        _dropout = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    public Tensor Attend(Tensor hidden, AttentionInputs inputs)
    {
        using var scope = torch.NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        Tensor Heads(nn.Module<Tensor, Tensor> projection) =>
            projection.forward(hidden).view(batch, length, _heads, _headSize).transpose(1, 2);
        var context = nn.functional.scaled_dot_product_attention(
            Heads(query), Heads(key), Heads(value), inputs.KeyMask, training ? _dropout : 0.0, false);
        return context.transpose(1, 2).reshape(batch, length, _heads * _headSize).MoveToOuterDisposeScope();
    }
}
