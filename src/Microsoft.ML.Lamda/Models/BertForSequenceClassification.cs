using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>transformers' <c>BertForSequenceClassification</c>: <c>bert</c> (with pooler), dropout, <c>classifier</c>.</summary>
internal sealed class BertForSequenceClassification : EncoderClassifierModule
{
    private readonly BertModel bert;
    private readonly TorchSharp.Modules.Dropout dropout;
    private nn.Module<Tensor, Tensor> classifier;

    public BertForSequenceClassification(EncoderConfig config) : base(nameof(BertForSequenceClassification))
    {
        bert = new BertModel(config, roberta: false);
        dropout = nn.Dropout(config.ClassifierDropout ?? config.HiddenDropoutProb);
        classifier = ModuleFactory.Linear(config.HiddenSize, config.NumLabels, config.InitializerRange);
        RegisterComponents();
    }

    public override IReadOnlyList<string> HeadModuleNames { get; } = ["bert.pooler", "classifier"];

    public override Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) => bert.forward(inputIds, attentionMask, tokenTypeIds);

    public override Tensor Classify(Tensor hidden)
    {
        using var pooled = bert.Pool(hidden);
        using var dropped = dropout.forward(pooled);
        return classifier.forward(dropped);
    }
}
