using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>transformers' <c>DebertaV2ForSequenceClassification</c>: <c>deberta</c>, <c>pooler</c> (ContextPooler), dropout, <c>classifier</c>.</summary>
internal sealed class DebertaV2ForSequenceClassification : EncoderClassifierModule
{
    private readonly DebertaV2Model deberta;
    private readonly ContextPooler pooler;
    private readonly TorchSharp.Modules.Dropout dropout;
    private nn.Module<Tensor, Tensor> classifier;

    public DebertaV2ForSequenceClassification(EncoderConfig config) : base(nameof(DebertaV2ForSequenceClassification))
    {
        deberta = new DebertaV2Model(config);
        pooler = new ContextPooler(config);
        dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        classifier = ModuleFactory.Linear(config.PoolerHiddenSize, config.NumLabels, config.InitializerRange);
        RegisterComponents();
    }

    public override IReadOnlyList<string> HeadModuleNames { get; } = ["pooler", "classifier"];

    public override Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) => deberta.forward(inputIds, attentionMask, tokenTypeIds);

    public override Tensor Classify(Tensor hidden)
    {
        using var pooled = pooler.forward(hidden);
        using var dropped = dropout.forward(pooled);
        return classifier.forward(dropped);
    }
}

/// <summary>DeBERTa's <c>pooler</c> (ContextPooler): first token → dropout → dense → <c>pooler_hidden_act</c>.</summary>
internal sealed class ContextPooler : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> dense;
    private readonly TorchSharp.Modules.Dropout dropout;
    private readonly Func<Tensor, Tensor> _activation;

    public ContextPooler(EncoderConfig config) : base(nameof(ContextPooler))
    {
        dense = ModuleFactory.Linear(config.PoolerHiddenSize, config.PoolerHiddenSize, config.InitializerRange);
        dropout = nn.Dropout(config.PoolerDropout);
        _activation = Activations.Resolve(config.PoolerHiddenAct, "pooler_hidden_act", "config");
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = torch.NewDisposeScope();
        var context = dropout.forward(hidden.select(1, 0));
        return _activation(dense.forward(context)).MoveToOuterDisposeScope();
    }
}
