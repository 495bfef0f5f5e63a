using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>
/// DeBERTa-v2 <c>embeddings</c>: word embeddings, plus absolute positions when <c>position_biased_input</c>
/// and token types when <c>type_vocab_size</c> &gt; 0; LayerNorm; multiplied by the attention mask; dropout.
/// </summary>
internal sealed class DebertaV2Embeddings : nn.Module
{
    private readonly TorchSharp.Modules.Embedding word_embeddings;
    private readonly TorchSharp.Modules.Embedding? position_embeddings;
    private readonly TorchSharp.Modules.Embedding? token_type_embeddings;
    private readonly TorchSharp.Modules.LayerNorm LayerNorm;
    private readonly TorchSharp.Modules.Dropout dropout;

    public DebertaV2Embeddings(EncoderConfig config) : base(nameof(DebertaV2Embeddings))
    {
        var std = config.InitializerRange;
        word_embeddings = ModuleFactory.Embedding(config.VocabSize, config.HiddenSize, std, config.PadTokenId);
        position_embeddings = config.PositionBiasedInput ? ModuleFactory.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, std) : null;
        token_type_embeddings = config.TypeVocabSize > 0 ? ModuleFactory.Embedding(config.TypeVocabSize, config.HiddenSize, std) : null;
        LayerNorm = ModuleFactory.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = torch.NewDisposeScope();
        var embeddings = word_embeddings.forward(inputIds);
        if (position_embeddings is not null)
            embeddings = embeddings + position_embeddings.forward(torch.arange(inputIds.shape[1], ScalarType.Int64, inputIds.device).unsqueeze(0));
        if (token_type_embeddings is not null)
            embeddings = embeddings + token_type_embeddings.forward(tokenTypeIds);
        embeddings = LayerNorm.forward(embeddings) * attentionMask.unsqueeze(2).to(embeddings.dtype);
        return dropout.forward(embeddings).MoveToOuterDisposeScope();
    }
}
