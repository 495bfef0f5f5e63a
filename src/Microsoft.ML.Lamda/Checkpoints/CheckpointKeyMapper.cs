namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// Maps the tensor keys of a transformers checkpoint to the parameter names of our modules (which equal
/// transformers' names of the sequence-classification model): old <c>LayerNorm.gamma/beta</c> become
/// <c>weight/bias</c>, keys of a base-model checkpoint get the encoder prefix, and buffers and pretraining
/// heads are dropped.
/// </summary>
public static class CheckpointKeyMapper
{
    private static readonly string[] PretrainingHeads = ["cls.", "lm_predictions.", "mask_predictions.", "lm_head.", "discriminator_predictions."];

    /// <summary>The attribute name transformers gives the encoder inside the task model (<c>bert</c>, <c>roberta</c>, <c>deberta</c>).</summary>
    public static string EncoderPrefix(EncoderFamily family) => family switch
    {
        EncoderFamily.Bert => "bert",
        EncoderFamily.Roberta => "roberta",
        _ => "deberta",
    };

    /// <summary>The model parameter name for checkpoint key <paramref name="key"/>, or null when the key is to be ignored.</summary>
    public static string? Map(string key, EncoderFamily family)
    {
        var prefix = EncoderPrefix(family);
        if (key == "position_ids" || key.EndsWith(".position_ids", StringComparison.Ordinal))
            return null;
        if (PretrainingHeads.Any(head => key.StartsWith(head, StringComparison.Ordinal)))
            return null;
        var mapped = key;
        if (mapped.EndsWith(".gamma", StringComparison.Ordinal))
            mapped = mapped[..^".gamma".Length] + ".weight";
        else if (mapped.EndsWith(".beta", StringComparison.Ordinal))
            mapped = mapped[..^".beta".Length] + ".bias";
        var first = mapped.Split('.')[0];
        if (first is "embeddings" or "encoder" || (first == "pooler" && family != EncoderFamily.DebertaV2))
            mapped = $"{prefix}.{mapped}";
        // RoBERTa's classification model has no pooler; pretrained RoBERTa checkpoints carry one (transformers ignores it too).
        if (family == EncoderFamily.Roberta && mapped.StartsWith("roberta.pooler.", StringComparison.Ordinal))
            return null;
        return mapped;
    }
}
