using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>transformers' <c>RobertaForSequenceClassification</c>: <c>roberta</c> (no pooler) and <c>classifier</c> (dense, tanh, out_proj).</summary>
internal sealed class RobertaForSequenceClassification : EncoderClassifierModule
{
    private readonly BertModel roberta;
    private readonly RobertaClassificationHead classifier;

    public RobertaForSequenceClassification(EncoderConfig config) : base(nameof(RobertaForSequenceClassification))
    {
        roberta = new BertModel(config, roberta: true);
        classifier = new RobertaClassificationHead(config);
        RegisterComponents();
    }

    public override IReadOnlyList<string> HeadModuleNames { get; } = ["classifier"];

    public override Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) => roberta.forward(inputIds, attentionMask, tokenTypeIds);

    public override Tensor Classify(Tensor hidden) => classifier.forward(hidden);
}

/// <summary>RoBERTa's <c>classifier</c>: on the first token, dropout → dense → tanh → dropout → out_proj.</summary>
internal sealed class RobertaClassificationHead : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> dense;
    private readonly TorchSharp.Modules.Dropout dropout;
    private nn.Module<Tensor, Tensor> out_proj;

    public RobertaClassificationHead(EncoderConfig config) : base(nameof(RobertaClassificationHead))
    {
        dense = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, config.InitializerRange);
        dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        out_proj = ModuleFactory.Linear(config.HiddenSize, config.NumLabels, config.InitializerRange);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = torch.NewDisposeScope();
        var x = dropout.forward(hidden.select(1, 0));
        x = dropout.forward(dense.forward(x).tanh());
        return out_proj.forward(x).MoveToOuterDisposeScope();
    }
}
