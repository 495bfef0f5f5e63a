using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>
/// A batch of token blocks with BERT's masking: each maskable position (not <c>[CLS]</c>, <c>[SEP]</c> or
/// <c>[PAD]</c>) is chosen with probability <see cref="MaskProbability"/>; a chosen position becomes <c>[MASK]</c>
/// 80 % of the time, a random ordinary token 10 %, and stays as it is 10 %; the loss is taken at chosen positions only.
/// </summary>
public sealed class MaskedBatch : IDisposable
{
    /// <summary>The share of maskable positions that are predicted.</summary>
    public const double MaskProbability = 0.15;

    private MaskedBatch(Tensor inputIds, Tensor attentionMask, Tensor positions, Tensor targets)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Positions = positions;
        Targets = targets;
    }

    /// <summary>[batch, length] int64 ids after masking.</summary>
    public Tensor InputIds { get; }

    /// <summary>[batch, length] int64 ones (packed blocks have no padding).</summary>
    public Tensor AttentionMask { get; }

    /// <summary>[predicted] int64 flat indices (row × length + column) of the chosen positions.</summary>
    public Tensor Positions { get; }

    /// <summary>[predicted] int64 original ids at <see cref="Positions"/>.</summary>
    public Tensor Targets { get; }

    /// <summary>Masks <paramref name="blocks"/> (all of one length) with draws from <paramref name="random"/>.</summary>
    /// <param name="blocks">Token ids, one array per row.</param>
    /// <param name="specialIds">Ids that are never chosen (<c>[CLS]</c>, <c>[SEP]</c>, <c>[PAD]</c>).</param>
    /// <param name="maskId">The <c>[MASK]</c> id.</param>
    /// <param name="firstOrdinaryId">Random replacements are drawn from [<paramref name="firstOrdinaryId"/>, <paramref name="vocabSize"/>).</param>
    /// <param name="vocabSize">The vocabulary size.</param>
    /// <param name="random">The source of the masking decisions.</param>
    /// <param name="device">Where the tensors go.</param>
    /// <exception cref="ArgumentException">The blocks are empty or of different lengths.</exception>
    public static MaskedBatch Create(IReadOnlyList<int[]> blocks, IReadOnlySet<int> specialIds, int maskId, int firstOrdinaryId, int vocabSize, Random random, Device device)
    {
        if (blocks.Count == 0 || blocks.Any(b => b.Length != blocks[0].Length || b.Length == 0))
        {
            throw new ArgumentException("A batch needs at least one block, all of one non-zero length.", nameof(blocks));
        }

        var length = blocks[0].Length;
        var ids = new long[blocks.Count * length];
        var positions = new List<long>();
        var targets = new List<long>();
        for (var row = 0; row < blocks.Count; row++)
        {
            for (var column = 0; column < length; column++)
            {
                var flat = row * length + column;
                var token = blocks[row][column];
                ids[flat] = token;
                if (specialIds.Contains(token) || random.NextDouble() >= MaskProbability)
                {
                    continue;
                }

                positions.Add(flat);
                targets.Add(token);
                var action = random.NextDouble();
                ids[flat] = action < 0.8 ? maskId : action < 0.9 ? random.Next(firstOrdinaryId, vocabSize) : token;
            }
        }

        // A batch where nothing was drawn still predicts one position, so the loss is defined.
        if (positions.Count == 0)
        {
            var first = Enumerable.Range(0, ids.Length).First(i => !specialIds.Contains((int)ids[i]));
            positions.Add(first);
            targets.Add(ids[first]);
            ids[first] = maskId;
        }

        return new MaskedBatch(
            torch.tensor(ids, [blocks.Count, length], ScalarType.Int64, device),
            torch.ones([blocks.Count, length], ScalarType.Int64, device),
            torch.tensor(positions.ToArray(), ScalarType.Int64, device),
            torch.tensor(targets.ToArray(), ScalarType.Int64, device));
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Positions.Dispose();
        Targets.Dispose();
    }
}
