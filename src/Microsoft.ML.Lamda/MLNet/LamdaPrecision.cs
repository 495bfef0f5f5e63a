namespace Microsoft.ML.Lamda;

/// <summary>Numeric precision of the encoder's weights and activations during training and inference.</summary>
public enum LamdaPrecision
{
    /// <summary>32-bit floating point (the default; exact, and the fastest on most CPUs).</summary>
    Float32,

    /// <summary>bfloat16: half the memory; worth it on GPUs and CPUs with native bfloat16 support.</summary>
    BFloat16,
}
