using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.MiniLM;

namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>The encoder the quickstart fine-tunes.</summary>
public enum QuickstartEncoder
{
    /// <summary>all-MiniLM-L6-v2 (6-layer uncased BERT, hidden size 384) from the Microsoft.ML.Lamda.MiniLM companion project.</summary>
    MiniLM,

    /// <summary>The library's embedded lamda-mini-deberta-v3 (4-layer DeBERTa-v3, hidden size 256): the trainers' default.</summary>
    Embedded,
}

/// <summary>Names and checkpoint folders of <see cref="QuickstartEncoder"/> values.</summary>
public static class QuickstartEncoders
{
    /// <summary>The encoder fine-tuned when none is named.</summary>
    public const QuickstartEncoder Default = QuickstartEncoder.MiniLM;

    /// <summary>The command-line name of <paramref name="encoder"/>: <c>minilm</c> or <c>embedded</c>.</summary>
    public static string CommandName(QuickstartEncoder encoder) => encoder == QuickstartEncoder.MiniLM ? "minilm" : "embedded";

    /// <summary>The encoder named on the command line: <c>minilm</c> or <c>embedded</c>.</summary>
    public static QuickstartEncoder Parse(string name) => name switch
    {
        "minilm" => QuickstartEncoder.MiniLM,
        "embedded" => QuickstartEncoder.Embedded,
        _ => throw new ArgumentException($"Unknown encoder '{name}': expected minilm or embedded.", nameof(name)),
    };

    /// <summary>The model's name.</summary>
    public static string DisplayName(QuickstartEncoder encoder) => encoder == QuickstartEncoder.MiniLM ? MiniLmEncoder.Name : DefaultEncoder.Name;

    /// <summary>The trainer's <c>ModelPath</c>: MiniLM's extracted folder, or null for the embedded encoder.</summary>
    public static string? ModelPath(QuickstartEncoder encoder) => encoder == QuickstartEncoder.MiniLM ? MiniLmEncoder.GetCheckpointFolder() : null;
}
