using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>transformers' <c>BertForSequenceClassification</c>: <c>bert</c> (with pooler), dropout, <c>classifier</c>.</summary>
internal sealed class BertForSequenceClassification : nn.Module, IEncoderClassifier
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

    public IReadOnlyList<string> HeadModuleNames { get; } = ["bert.pooler", "classifier"];

    public Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) => bert.forward(inputIds, attentionMask, tokenTypeIds);

    public Tensor Classify(Tensor hidden)
    {
        using var pooled = bert.Pool(hidden);
        using var dropped = dropout.forward(pooled);
        return classifier.forward(dropped);
    }
}
