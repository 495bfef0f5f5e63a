using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Export;

/// <summary>What an export writes: the merged model, its task, the label names, and (for a transformer) its tokenizer.</summary>
/// <param name="Model">The merged model (encoder and task head).</param>
/// <param name="Classification">True: the outputs are class logits and probabilities; false: one regression (similarity) output.</param>
/// <param name="Labels">One name per output of the head.</param>
/// <param name="Tokenizer">The tokenizer, its files and the maximum length; null for a bare model.</param>
internal sealed record ExportSource(SequenceClassificationModel Model, bool Classification, IReadOnlyList<string> Labels, TokenizerExport? Tokenizer);

/// <summary>The tokenizer of an exported transformer.</summary>
/// <param name="Tokenizer">The tokenizer the transformer encodes with.</param>
/// <param name="Files">Its files by name (vocabularies and JSON side files).</param>
/// <param name="MaxLength">The longest token sequence the transformer scores (longer inputs are truncated).</param>
/// <param name="Pairs">True when the model scores pairs of texts, false for single texts.</param>
internal sealed record TokenizerExport(PretrainedTokenizer Tokenizer, IReadOnlyDictionary<string, byte[]> Files, int MaxLength, bool Pairs);
