namespace Microsoft.ML.Lamda;

/// <summary>The fine-tuning method applied to the encoder's linear layers.</summary>
public enum AdapterMethod
{
    /// <summary>LaMDA: frozen projection A, trainable square adapter S, projection B frozen gradually (the default).</summary>
    Lamda = 0,

    /// <summary>LaMDA with a static per-layer rank chosen from each layer's spectral energy (LaMDA++).</summary>
    LamdaPlusPlus = 1,

    /// <summary>LoRA: trainable low-rank matrices A and B added to each frozen linear layer.</summary>
    Lora = 2,

    /// <summary>Every parameter of the model is trained; no adapter is inserted.</summary>
    FullFineTuning = 3,
}
