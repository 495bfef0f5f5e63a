namespace Microsoft.ML.Lamda;

/// <summary>
/// Thrown when fine-tuning diverges (a non-finite loss or gradient): the message names the optimizer step, the value
/// and the learning rate, and suggests a lower one. No model is returned.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception with its message.</summary>
    public TrainingDivergedException(string message) : base(message)
    {
    }
}
