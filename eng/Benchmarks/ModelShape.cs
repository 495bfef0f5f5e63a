namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>The encoder families the harness measures.</summary>
internal enum ModelFamily
{
    /// <summary>BERT-base shape.</summary>
    Bert,
    /// <summary>DeBERTa-v3-base shape (relative attention with position buckets).</summary>
    DebertaV3,
}

/// <summary>The shape of a randomly initialised encoder built in code for a benchmark.</summary>
/// <param name="Name">Name shown in the report.</param>
/// <param name="Family">Architecture family.</param>
/// <param name="Layers">Encoder blocks.</param>
/// <param name="Hidden">Hidden size.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="Intermediate">Feed-forward size.</param>
/// <param name="Vocabulary">Vocabulary size.</param>
/// <param name="PositionBuckets">DeBERTa's relative-position buckets.</param>
internal sealed record ModelShape(string Name, ModelFamily Family, int Layers, int Hidden, int Heads, int Intermediate, int Vocabulary, int PositionBuckets = 256)
{
    /// <summary>BERT-base: 12 x 768, FFN 3072.</summary>
    public static ModelShape BertBase { get; } = new("bert-base", ModelFamily.Bert, 12, 768, 12, 3072, 30522);

    /// <summary>DeBERTa-v3-base: 12 x 768, FFN 3072, 128k vocabulary, 256 position buckets.</summary>
    public static ModelShape DebertaV3Base { get; } = new("deberta-v3-base", ModelFamily.DebertaV3, 12, 768, 12, 3072, 128100);

    /// <summary>A tiny BERT for the smoke run in the test suite.</summary>
    public static ModelShape TinyBert { get; } = new("tiny-bert", ModelFamily.Bert, 2, 32, 2, 64, 100);

    /// <summary>A tiny DeBERTa-v3 for the smoke run in the test suite.</summary>
    public static ModelShape TinyDebertaV3 { get; } = new("tiny-deberta-v3", ModelFamily.DebertaV3, 2, 32, 2, 64, 100, 16);

    /// <summary>Parameters of the two-class task head (pooler dense h x h and classifier h x 2, with biases), trained in full by every method.</summary>
    public long HeadParameters => (long)Hidden * Hidden + Hidden + 2L * Hidden + 2;

    /// <summary>Looks a shape up by <see cref="Name"/>.</summary>
    public static ModelShape Parse(string name) =>
        new[] { BertBase, DebertaV3Base, TinyBert, TinyDebertaV3 }.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"Unknown model shape '{name}': expected bert-base, deberta-v3-base, tiny-bert or tiny-deberta-v3.");
}
