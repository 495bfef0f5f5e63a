namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>The encoder architectures this library builds.</summary>
public enum EncoderFamily
{
    /// <summary>BERT (<c>model_type</c> bert).</summary>
    Bert,

    /// <summary>RoBERTa and models built on it (<c>model_type</c> roberta, xlm-roberta, camembert).</summary>
    Roberta,

    /// <summary>DeBERTa-v2 and DeBERTa-v3 (<c>model_type</c> deberta-v2).</summary>
    DebertaV2,
}
