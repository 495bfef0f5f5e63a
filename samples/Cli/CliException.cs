namespace Microsoft.ML.Lamda.Cli;

/// <summary>A user error the command reports as one line (exit code 1), without a stack trace.</summary>
internal sealed class CliException(string message) : Exception(message);
