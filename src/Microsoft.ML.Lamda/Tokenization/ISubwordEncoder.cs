namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>Text to subword ids, without special tokens: the part of a tokenizer that differs between families.</summary>
internal interface ISubwordEncoder
{
    /// <summary>The algorithm.</summary>
    TokenizerFamily Family { get; }

    /// <summary>The vocabulary files the encoder was built from.</summary>
    IReadOnlyList<string> SourceFiles { get; }

    /// <summary>The subword ids of <paramref name="text"/>; unknown characters map to the unknown token, never to an exception.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>The largest id of the vocabulary.</summary>
    int MaxId { get; }

    /// <summary>Looks a whole token up in the vocabulary.</summary>
    bool TryGetId(string token, out int id);
}
