using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

/// <summary>Turns the errors a user can fix (bad files, columns, settings) into one red line and exit code 1.</summary>
internal static class CommandErrors
{
    public static int Guard(IAnsiConsole console, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception error) when (error is CliException or ArgumentException or IOException or InvalidOperationException or FormatException)
        {
            console.MarkupLineInterpolated($"[red]error:[/] {error.Message}");
            return 1;
        }
    }
}
