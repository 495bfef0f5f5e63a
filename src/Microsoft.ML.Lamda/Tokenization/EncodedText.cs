namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>One encoded row: token ids with their special tokens, and the matching token type (segment) ids.</summary>
public sealed class EncodedText
{
    internal readonly int[] Ids;
    internal readonly int[] TypeIds;

    /// <summary>Wraps ids and token type ids of equal length (the arrays are kept, not copied).</summary>
    /// <exception cref="ArgumentException">The arrays differ in length.</exception>
    public EncodedText(int[] inputIds, int[] tokenTypeIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(tokenTypeIds);
        if (inputIds.Length != tokenTypeIds.Length)
            throw new ArgumentException($"Token type ids ({tokenTypeIds.Length}) must be as many as input ids ({inputIds.Length}).", nameof(tokenTypeIds));
        Ids = inputIds;
        TypeIds = tokenTypeIds;
    }

    /// <summary>The token ids, special tokens included.</summary>
    public IReadOnlyList<int> InputIds => Ids;

    /// <summary>The segment of each token: 0 for the first text, 1 for the second (all 0 in the RoBERTa layout).</summary>
    public IReadOnlyList<int> TokenTypeIds => TypeIds;

    /// <summary>The number of tokens.</summary>
    public int Length => Ids.Length;
}
