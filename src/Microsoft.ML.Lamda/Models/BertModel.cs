using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>transformers' <c>BertModel</c> / <c>RobertaModel</c>: <c>embeddings</c>, <c>encoder.layer.N</c>, and (BERT only) <c>pooler</c>.</summary>
internal sealed class BertModel : nn.Module
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler? pooler;

    public BertModel(EncoderConfig config, bool roberta) : base(nameof(BertModel))
    {
        embeddings = new BertEmbeddings(config, robertaPositions: roberta);
        encoder = new BertEncoder(config);
        pooler = roberta ? null : new BertPooler(config);
        RegisterComponents();
    }

    /// <summary>The last hidden state [batch, seq, hidden].</summary>
    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var hidden = embeddings.forward(inputIds, tokenTypeIds);
        using var mask = ModuleFactory.AdditiveKeyMask(attentionMask, hidden.dtype);
        return encoder.forward(hidden, new AttentionInputs(mask));
    }

    /// <summary>BERT's pooled output: tanh(dense(hidden[:, 0])).</summary>
    public Tensor Pool(Tensor hidden) => pooler!.forward(hidden);
}

/// <summary><c>encoder</c>: the stack of layers in a ModuleList named <c>layer</c>.</summary>
internal sealed class BertEncoder : nn.Module
{
    private readonly ModuleList<EncoderLayer> layer;

    public BertEncoder(EncoderConfig config) : base(nameof(BertEncoder))
    {
        layer = new ModuleList<EncoderLayer>(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new EncoderLayer(new BertSelfAttention(config), config)).ToArray());
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, AttentionInputs inputs)
    {
        var current = hidden.alias();
        foreach (var block in layer)
        {
            var next = block.forward(current, inputs);
            current.Dispose();
            current = next;
        }
        return current;
    }
}

/// <summary>BERT's <c>pooler</c>: dense + tanh on the first token.</summary>
internal sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> dense;

    public BertPooler(EncoderConfig config) : base(nameof(BertPooler))
    {
        dense = ModuleFactory.Linear(config.HiddenSize, config.HiddenSize, config.InitializerRange);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var first = hidden.select(1, 0);
        using var projected = dense.forward(first);
        return projected.tanh();
    }
}
