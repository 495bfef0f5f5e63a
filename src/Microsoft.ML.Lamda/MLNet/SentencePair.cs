namespace Microsoft.ML.Lamda;

/// <summary>The text of one row: its first sentence and, for pair tasks, its second.</summary>
internal readonly record struct SentencePair(string First, string? Second);
