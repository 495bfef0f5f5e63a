using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>The ids masking needs: which are special, which is <c>[MASK]</c>, and where ordinary tokens start.</summary>
/// <param name="SpecialIds">Ids never chosen for prediction (<c>[PAD]</c>, <c>[CLS]</c>, <c>[SEP]</c>).</param>
/// <param name="MaskId">The <c>[MASK]</c> id.</param>
/// <param name="FirstOrdinaryId">The smallest id of an ordinary piece (random replacements are drawn from here up).</param>
/// <param name="VocabSize">The vocabulary size.</param>
public sealed record MaskingVocabulary(IReadOnlySet<int> SpecialIds, int MaskId, int FirstOrdinaryId, int VocabSize)
{
    /// <summary>Masks a batch of blocks (see <see cref="MaskedBatch"/>).</summary>
    /// <param name="blocks">Token ids, one array per row, all of one length.</param>
    /// <param name="random">The source of the masking decisions.</param>
    /// <param name="device">Where the tensors go.</param>
    public MaskedBatch Mask(IReadOnlyList<int[]> blocks, Random random, Device device) =>
        MaskedBatch.Create(blocks, SpecialIds, MaskId, FirstOrdinaryId, VocabSize, random, device);
}
