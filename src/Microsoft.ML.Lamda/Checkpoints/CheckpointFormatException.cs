namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// A checkpoint file (safetensors, index or config.json) is malformed, unsupported or disagrees with the model.
/// The message always names the file and the problem.
/// </summary>
public sealed class CheckpointFormatException : IOException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>; the message is prefixed with the file.</summary>
    /// <param name="filePath">The file (or folder) the problem was found in.</param>
    /// <param name="problem">What is wrong, in words a user understands.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public CheckpointFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
    }

    /// <summary>The file (or folder) the problem was found in.</summary>
    public string FilePath { get; }
}
