namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>How special tokens frame one text or a pair of texts.</summary>
public enum SpecialTokenLayout
{
    /// <summary>BERT and DeBERTa: <c>[CLS] a [SEP]</c> and <c>[CLS] a [SEP] b [SEP]</c>; token type 0 up to the first separator, 1 after it.</summary>
    Bert,

    /// <summary>RoBERTa: <c>&lt;s&gt; a &lt;/s&gt;</c> and <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c>; every token type is 0.</summary>
    Roberta,
}
