using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Training;

/// <summary>One tokenized row and its label (class index, or similarity).</summary>
internal sealed record TrainingExample(EncodedText Tokens, float Label);
