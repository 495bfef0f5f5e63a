using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>
/// BERT/RoBERTa <c>embeddings</c>: word + absolute position + token type embeddings, LayerNorm, dropout.
/// RoBERTa numbers positions from <c>pad_token_id + 1</c> over non-pad tokens (pads get <c>pad_token_id</c>).
/// </summary>
internal sealed class BertEmbeddings : nn.Module
{
    private readonly TorchSharp.Modules.Embedding word_embeddings;
    private readonly TorchSharp.Modules.Embedding position_embeddings;
    private readonly TorchSharp.Modules.Embedding? token_type_embeddings;
    private readonly TorchSharp.Modules.LayerNorm LayerNorm;
    private readonly TorchSharp.Modules.Dropout dropout;
    private readonly long? _positionPaddingIndex;

    public BertEmbeddings(EncoderConfig config, bool robertaPositions) : base(nameof(BertEmbeddings))
    {
        var std = config.InitializerRange;
        _positionPaddingIndex = robertaPositions ? config.PadTokenId : null;
        word_embeddings = ModuleFactory.Embedding(config.VocabSize, config.HiddenSize, std, config.PadTokenId);
        position_embeddings = ModuleFactory.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, std, _positionPaddingIndex);
        token_type_embeddings = config.TypeVocabSize > 0 ? ModuleFactory.Embedding(config.TypeVocabSize, config.HiddenSize, std) : null;
        LayerNorm = ModuleFactory.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <param name="inputIds">[batch, seq] int64.</param>
    /// <param name="tokenTypeIds">[batch, seq] int64.</param>
    public Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        using var scope = torch.NewDisposeScope();
        var embeddings = word_embeddings.forward(inputIds) + position_embeddings.forward(PositionIds(inputIds));
        if (token_type_embeddings is not null)
            embeddings = embeddings + token_type_embeddings.forward(tokenTypeIds);
        return dropout.forward(LayerNorm.forward(embeddings)).MoveToOuterDisposeScope();
    }

    private Tensor PositionIds(Tensor inputIds)
    {
        if (_positionPaddingIndex is not long pad)
            return torch.arange(inputIds.shape[1], ScalarType.Int64, inputIds.device).unsqueeze(0);
        var notPad = inputIds.ne(pad).to(ScalarType.Int64);
        return notPad.cumsum(1) * notPad + pad;
    }
}
