using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

/// <summary>Entry point of the <c>lamda</c> tool.</summary>
internal static class Program
{
    public static int Main(string[] args) =>
        LamdaCommandLine.Run(args, AnsiConsole.Console, Console.In, interactiveInput: !Console.IsInputRedirected, Console.Out);
}
