using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>
/// transformers' DeBERTa-v2 masked-LM head (<c>DebertaV2OnlyMLMHead</c>, the "legacy" layout whose keys start with
/// <c>cls.predictions.</c>): <c>transform.dense</c> → activation → <c>transform.LayerNorm</c>, then the decoder,
/// whose weight is tied to the word embeddings, plus <c>bias</c>.
/// </summary>
public sealed class MaskedLanguageModelHead : nn.Module
{
    /// <summary>The prefix of this head's keys in a transformers checkpoint.</summary>
    public const string KeyPrefix = "cls.predictions.";

    private readonly PredictionHeadTransform transform;
    private readonly Parameter bias;

    /// <summary>Builds the head with transformers' initialisation (normal weights, zero biases, unit LayerNorm).</summary>
    /// <param name="hiddenSize">The encoder's hidden size.</param>
    /// <param name="vocabSize">The vocabulary size.</param>
    /// <param name="layerNormEps">The LayerNorm epsilon.</param>
    /// <param name="initializerRange">The standard deviation of the dense weight.</param>
    public MaskedLanguageModelHead(int hiddenSize, int vocabSize, double layerNormEps, double initializerRange) : base(nameof(MaskedLanguageModelHead))
    {
        transform = new PredictionHeadTransform(hiddenSize, layerNormEps, initializerRange);
        bias = nn.Parameter(torch.zeros(vocabSize));
        RegisterComponents();
    }

    /// <summary>Vocabulary logits [n, vocab] for hidden states [n, hidden], decoding with the tied <paramref name="wordEmbeddings"/> [vocab, hidden].</summary>
    /// <param name="hidden">The encoder outputs at the predicted positions.</param>
    /// <param name="wordEmbeddings">The encoder's word embedding matrix.</param>
    public Tensor forward(Tensor hidden, Tensor wordEmbeddings)
    {
        using var scope = torch.NewDisposeScope();
        var transformed = transform.forward(hidden);
        return torch.nn.functional.linear(transformed, wordEmbeddings, bias).MoveToOuterDisposeScope();
    }

    /// <summary><c>transform</c>: dense → GELU → LayerNorm.</summary>
    private sealed class PredictionHeadTransform : nn.Module<Tensor, Tensor>
    {
        private readonly Linear dense;
        private readonly LayerNorm LayerNorm;

        public PredictionHeadTransform(int hiddenSize, double layerNormEps, double initializerRange) : base(nameof(PredictionHeadTransform))
        {
            dense = nn.Linear(hiddenSize, hiddenSize);
            LayerNorm = nn.LayerNorm(hiddenSize, layerNormEps);
            using (torch.no_grad())
            {
                nn.init.normal_(dense.weight!, 0, initializerRange);
                nn.init.zeros_(dense.bias!);
            }

            RegisterComponents();
        }

        public override Tensor forward(Tensor hidden)
        {
            using var scope = torch.NewDisposeScope();
            return LayerNorm.forward(nn.functional.gelu(dense.forward(hidden))).MoveToOuterDisposeScope();
        }
    }
}
