namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>The subword algorithm a <see cref="PretrainedTokenizer"/> uses, chosen from the files in the checkpoint folder.</summary>
public enum TokenizerFamily
{
    /// <summary>BERT's WordPiece (<c>vocab.txt</c>), after BERT's basic tokenization (cleanup, lower case, punctuation and CJK splitting).</summary>
    WordPiece,

    /// <summary>GPT-2 / RoBERTa byte-level BPE (<c>vocab.json</c> + <c>merges.txt</c>).</summary>
    ByteLevelBpe,

    /// <summary>SentencePiece (<c>spm.model</c>), as DeBERTa-v3 uses it.</summary>
    SentencePiece,
}
