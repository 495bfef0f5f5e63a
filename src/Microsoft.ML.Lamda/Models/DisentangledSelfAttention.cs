using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>
/// DeBERTa-v2/v3 <c>attention.self</c>: content-to-content attention plus the disentangled content-to-position
/// (c2p) and position-to-content (p2c) terms over log-bucketed relative positions, all scaled by
/// <c>sqrt(head_size × (1 + len(pos_att_type)))</c>. With <c>share_att_key</c> the relative embeddings go
/// through <c>query_proj</c>/<c>key_proj</c>; otherwise through <c>pos_query_proj</c>/<c>pos_key_proj</c>.
/// The attention is computed explicitly (not with the fused kernel) so that gradients reach the relative terms.
/// </summary>
internal sealed class DisentangledSelfAttention : nn.Module, ISelfAttention
{
    private nn.Module<Tensor, Tensor> query_proj;
    private nn.Module<Tensor, Tensor> key_proj;
    private nn.Module<Tensor, Tensor> value_proj;
    private nn.Module<Tensor, Tensor>? pos_key_proj;
    private nn.Module<Tensor, Tensor>? pos_query_proj;
    private readonly TorchSharp.Modules.Dropout pos_dropout;
    private readonly TorchSharp.Modules.Dropout dropout;
    private readonly long _heads;
    private readonly long _headSize;
    private readonly bool _relative;
    private readonly bool _shareKey;
    private readonly bool _contentToPosition;
    private readonly bool _positionToContent;
    private readonly double _scale;
    private readonly long _span;

    public DisentangledSelfAttention(EncoderConfig config) : base(nameof(DisentangledSelfAttention))
    {
        var std = config.InitializerRange;
        query_proj = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, std);
        key_proj = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, std);
        value_proj = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, std);
        _heads = config.NumAttentionHeads;
        _headSize = config.AttentionHeadSize;
        _relative = config.RelativeAttention;
        _shareKey = config.ShareAttentionKey;
        _contentToPosition = _relative && config.PositionAttentionTypes.Contains("c2p");
        _positionToContent = _relative && config.PositionAttentionTypes.Contains("p2c");
        _scale = Math.Sqrt(_headSize * (1 + (_contentToPosition ? 1 : 0) + (_positionToContent ? 1 : 0)));
        _span = DebertaV2Encoder.AttentionSpan(config);
        if (_relative && !_shareKey)
        {
            pos_key_proj = _contentToPosition ? ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, std) : null;
            pos_query_proj = _positionToContent ? ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, std) : null;
        }
        pos_dropout = nn.Dropout(config.HiddenDropoutProb);
        dropout = nn.Dropout(config.AttentionProbsDropoutProb);
        RegisterComponents();
    }

    public Tensor Attend(Tensor hidden, AttentionInputs inputs)
    {
        using var scope = torch.NewDisposeScope();
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var query = Heads(query_proj.forward(hidden), batch);
        var key = Heads(key_proj.forward(hidden), batch);
        var value = Heads(value_proj.forward(hidden), batch);
        var scores = query.matmul(key.transpose(-1, -2)).div(_scale);
        if (_relative)
            scores = scores + RelativeScores(query, key, inputs.RelativePositions!, inputs.RelativeEmbeddings!);
        var probabilities = dropout.forward(nn.functional.softmax(scores + inputs.KeyMask, -1));
        var context = probabilities.matmul(value);
        return context.transpose(1, 2).reshape(batch, length, _heads * _headSize).MoveToOuterDisposeScope();
    }

    /// <summary>The c2p and p2c terms, [batch, heads, seq, seq], already divided by the scale.</summary>
    private Tensor RelativeScores(Tensor query, Tensor key, Tensor relativePositions, Tensor relativeEmbeddings)
    {
        var (batch, length) = (query.shape[0], query.shape[2]);
        var embeddings = pos_dropout.forward(relativeEmbeddings.narrow(0, 0, 2 * _span));
        var gatherShape = new[] { batch, _heads, length, length };
        Tensor? score = null;
        if (_contentToPosition)
        {
            var positionKey = Heads((_shareKey ? key_proj : pos_key_proj!).forward(embeddings), 1);
            var c2p = query.matmul(positionKey.transpose(-1, -2));
            var index = (relativePositions + _span).clamp(0, 2 * _span - 1).expand(gatherShape);
            score = c2p.gather(-1, index).div(_scale);
        }
        if (_positionToContent)
        {
            var positionQuery = Heads((_shareKey ? query_proj : pos_query_proj!).forward(embeddings), 1);
            var p2c = key.matmul(positionQuery.transpose(-1, -2));
            var index = (_span - relativePositions).clamp(0, 2 * _span - 1).expand(gatherShape);
            var term = p2c.gather(-1, index).transpose(-1, -2).div(_scale);
            score = score is null ? term : score + term;
        }
        return score ?? torch.zeros(1, dtype: query.dtype, device: query.device);
    }

    /// <summary>[batch, seq, hidden] (or [rows, hidden] with batch 1) to [batch, heads, seq, head_size].</summary>
    private Tensor Heads(Tensor projected, long batch) =>
        projected.view(batch, -1, _heads, _headSize).transpose(1, 2);
}
