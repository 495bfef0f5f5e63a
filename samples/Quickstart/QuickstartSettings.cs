namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>What one quickstart run trains and where it writes.</summary>
public sealed record QuickstartSettings
{
    /// <summary>Folder holding <c>debian-sections.{train,validation,test}.tsv</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Folder receiving <c>model.zip</c>, <c>report.md</c> and <c>training-loss.png</c>.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Encoder fine-tuned.</summary>
    public QuickstartEncoder Encoder { get; init; } = QuickstartEncoders.Default;

    /// <summary>Fine-tuning method.</summary>
    public AdapterMethod Method { get; init; } = AdapterMethod.Lamda;

    /// <summary>Training rows used (the first of each class in the shuffled training file).</summary>
    public int TrainRows { get; init; }

    /// <summary>Validation rows scored after each epoch (0: no validation).</summary>
    public int ValidationRows { get; init; }

    /// <summary>Test rows evaluated.</summary>
    public int TestRows { get; init; }

    /// <summary>Epochs at most.</summary>
    public int Epochs { get; init; }

    /// <summary>Longest token sequence.</summary>
    public int MaxLength { get; init; }

    /// <summary>Adapter rank (16: the rank the quickstart's figures were measured with).</summary>
    public int Rank { get; init; } = 16;

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// Peak learning rate; null: the library's default for the method and the encoder's hidden size h (5e-3 for LaMDA,
    /// a relative step, with the head at LoRA's rate; 2e-3 for LoRA and 2e-4 for full fine-tuning, each times
    /// min(1, 256/h)).
    /// </summary>
    public double? LearningRate { get; init; }

    /// <summary>Device of the fine-tuning: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (the trainers' <c>Device</c> option).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>True for the reduced CI mode.</summary>
    public bool Quick { get; init; }

    /// <summary>The full run: sized to finish in under 10 minutes on 2 CPU cores.</summary>
    public static QuickstartSettings Full(string dataDirectory, string outputDirectory) => new()
    {
        DataDirectory = dataDirectory,
        OutputDirectory = outputDirectory,
        TrainRows = 2000,
        ValidationRows = 200,
        TestRows = 1000,
        Epochs = 2,
        MaxLength = 64,
    };

    /// <summary>The reduced run for CI (seconds to a minute).</summary>
    public static QuickstartSettings Reduced(string dataDirectory, string outputDirectory) => new()
    {
        DataDirectory = dataDirectory,
        OutputDirectory = outputDirectory,
        TrainRows = 300,
        ValidationRows = 0,
        TestRows = 200,
        Epochs = 3,
        MaxLength = 48,
        Quick = true,
    };
}
