namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>Adds the special tokens of a <see cref="SpecialTokenLayout"/> around one or two truncated segments.</summary>
internal sealed class SequenceTemplate(SpecialTokenLayout layout, int clsTokenId, int sepTokenId)
{
    /// <summary>How many special tokens a single text or a pair receives.</summary>
    public int SpecialTokenCount(bool pair) => !pair ? 2 : layout == SpecialTokenLayout.Roberta ? 4 : 3;

    /// <summary>Frames the first <paramref name="firstCount"/> ids of <paramref name="first"/> (and of <paramref name="second"/>, if any).</summary>
    public EncodedText Build(IReadOnlyList<int> first, int firstCount, IReadOnlyList<int>? second, int secondCount)
    {
        bool pair = second is not null;
        int total = firstCount + secondCount + SpecialTokenCount(pair);
        var ids = new int[total];
        var types = new int[total];
        int at = 0;
        ids[at++] = clsTokenId;
        for (int i = 0; i < firstCount; i++) ids[at++] = first[i];
        ids[at++] = sepTokenId;
        if (second is null) return new EncodedText(ids, types);
        if (layout == SpecialTokenLayout.Roberta) ids[at++] = sepTokenId;
        int secondStart = at;
        for (int i = 0; i < secondCount; i++) ids[at++] = second[i];
        ids[at++] = sepTokenId;
        if (layout == SpecialTokenLayout.Bert) Array.Fill(types, 1, secondStart, total - secondStart);
        return new EncodedText(ids, types);
    }

    /// <summary>
    /// Longest-first truncation of a pair to <paramref name="budget"/> tokens, as Hugging Face's (Rust) tokenizers do it:
    /// the shorter segment is kept whole when it fits in half the budget and the longer one takes the rest;
    /// otherwise both are cut to half (the second segment of an equal-length pair gets the odd token).
    /// </summary>
    public static (int First, int Second) LongestFirst(int firstLength, int secondLength, int budget)
    {
        if (firstLength + secondLength <= budget) return (firstLength, secondLength);
        bool swap = firstLength > secondLength;
        int shorter = swap ? secondLength : firstLength;
        int longer = shorter > budget ? shorter : Math.Max(shorter, budget - shorter);
        if (shorter + longer > budget)
        {
            shorter = budget / 2;
            longer = shorter + budget % 2;
        }
        return swap
            ? (Math.Min(firstLength, longer), Math.Min(secondLength, shorter))
            : (Math.Min(firstLength, shorter), Math.Min(secondLength, longer));
    }
}
