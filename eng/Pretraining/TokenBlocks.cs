using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>
/// The corpus as fixed-length training blocks: every line is tokenized, the lines' tokens are concatenated with
/// <c>[SEP]</c> between lines, and the stream is cut into blocks of <c>[CLS]</c> + (length - 2) tokens + <c>[SEP]</c>
/// (RoBERTa's "full sentences" packing: no padding, every position trains). Every <c>heldOutEvery</c>-th block
/// is held out to measure the masked-LM loss on text the model does not train on.
/// </summary>
public sealed class TokenBlocks
{
    private TokenBlocks(IReadOnlyList<int[]> train, IReadOnlyList<int[]> heldOut, long lineCount, long tokenCount)
    {
        Train = train;
        HeldOut = heldOut;
        LineCount = lineCount;
        TokenCount = tokenCount;
    }

    /// <summary>The training blocks.</summary>
    public IReadOnlyList<int[]> Train { get; }

    /// <summary>The held-out blocks.</summary>
    public IReadOnlyList<int[]> HeldOut { get; }

    /// <summary>The number of non-empty corpus lines read.</summary>
    public long LineCount { get; }

    /// <summary>The number of subword tokens of those lines (without special tokens).</summary>
    public long TokenCount { get; }

    /// <summary>Tokenizes and packs <paramref name="lines"/>.</summary>
    /// <param name="lines">The corpus, one text a line (empty lines are skipped).</param>
    /// <param name="tokenizer">The encoder's tokenizer (its <c>[CLS]</c>/<c>[SEP]</c> ids frame the blocks).</param>
    /// <param name="blockLength">Tokens per block, special tokens included.</param>
    /// <param name="heldOutEvery">Every this-many-th block is held out (0 holds none out).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blockLength"/> is below 3.</exception>
    public static TokenBlocks Build(IEnumerable<string> lines, PretrainedTokenizer tokenizer, int blockLength, int heldOutEvery)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockLength, 3);
        var body = blockLength - 2;
        var train = new List<int[]>();
        var heldOut = new List<int[]>();
        var pending = new List<int>(body * 2);
        long lineCount = 0, tokenCount = 0;
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            // Encode adds [CLS] ... [SEP]; keep the text's tokens and the [SEP] that closes the line.
            var ids = tokenizer.Encode(line, null, int.MaxValue).InputIds;
            lineCount++;
            tokenCount += ids.Count - 2;
            pending.AddRange(ids.Skip(1));
            while (pending.Count >= body)
            {
                var block = new int[blockLength];
                block[0] = tokenizer.ClsTokenId;
                pending.CopyTo(0, block, 1, body);
                block[^1] = tokenizer.SepTokenId;
                pending.RemoveRange(0, body);
                var index = train.Count + heldOut.Count;
                (heldOutEvery > 0 && index % heldOutEvery == heldOutEvery - 1 ? heldOut : train).Add(block);
            }
        }

        return new TokenBlocks(train, heldOut, lineCount, tokenCount);
    }
}
