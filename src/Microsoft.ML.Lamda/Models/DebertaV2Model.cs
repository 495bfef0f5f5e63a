using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>transformers' <c>DebertaV2Model</c>: <c>embeddings</c> and <c>encoder</c>.</summary>
internal sealed class DebertaV2Model : nn.Module
{
    private readonly DebertaV2Embeddings embeddings;
    private readonly DebertaV2Encoder encoder;

    public DebertaV2Model(EncoderConfig config) : base(nameof(DebertaV2Model))
    {
        embeddings = new DebertaV2Embeddings(config);
        encoder = new DebertaV2Encoder(config);
        RegisterComponents();
    }

    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var hidden = embeddings.forward(inputIds, attentionMask, tokenTypeIds);
        return encoder.forward(hidden, attentionMask);
    }
}

/// <summary>
/// DeBERTa-v2 <c>encoder</c>: <c>layer.N</c>, the shared <c>rel_embeddings</c> (2 × span rows) and, with
/// <c>norm_rel_ebd = layer_norm</c>, the <c>LayerNorm</c> applied to them.
/// </summary>
internal sealed class DebertaV2Encoder : nn.Module
{
    private readonly ModuleList<EncoderLayer> layer;
    private readonly Embedding? rel_embeddings;
    private readonly TorchSharp.Modules.LayerNorm? LayerNorm;
    private readonly int _buckets;
    private readonly int _maxRelativePositions;

    public DebertaV2Encoder(EncoderConfig config) : base(nameof(DebertaV2Encoder))
    {
        layer = new ModuleList<EncoderLayer>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new EncoderLayer(new DisentangledSelfAttention(config), config)).ToArray());
        _buckets = config.PositionBuckets;
        _maxRelativePositions = MaxRelativePositions(config);
        if (config.RelativeAttention)
        {
            rel_embeddings = ModuleFactory.Embedding(2 * AttentionSpan(config), config.HiddenSize, config.InitializerRange);
            LayerNorm = config.NormalizeRelativeEmbeddings ? ModuleFactory.LayerNorm(config.HiddenSize, config.LayerNormEps) : null;
        }
        RegisterComponents();
    }

    /// <summary>The number of relative positions on each side (<c>pos_ebd_size</c>): the bucket count, else max_relative_positions.</summary>
    public static long AttentionSpan(EncoderConfig config) =>
        config.PositionBuckets > 0 ? config.PositionBuckets : MaxRelativePositions(config);

    private static int MaxRelativePositions(EncoderConfig config) =>
        config.MaxRelativePositions < 1 ? config.MaxPositionEmbeddings : config.MaxRelativePositions;

    public Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = torch.NewDisposeScope();
        var mask = ModuleFactory.AdditiveKeyMask(attentionMask, hidden.dtype);
        AttentionInputs inputs;
        if (rel_embeddings is null)
        {
            inputs = new AttentionInputs(mask);
        }
        else
        {
            var relative = RelativePositions.Build(hidden.shape[1], _buckets, _maxRelativePositions, hidden.device);
            var table = LayerNorm is null ? rel_embeddings.weight!.alias() : LayerNorm.forward(rel_embeddings.weight!);
            inputs = new AttentionInputs(mask, relative, table);
        }
        var current = hidden.alias();
        foreach (var block in layer)
            current = block.forward(current, inputs);
        return current.MoveToOuterDisposeScope();
    }
}
