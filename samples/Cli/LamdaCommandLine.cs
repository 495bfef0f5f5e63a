using System.CommandLine;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary>The <c>lamda</c> command tree.</summary>
internal static class LamdaCommandLine
{
    /// <summary>Builds the commands, writing to <paramref name="console"/> and reading predictions' input from <paramref name="input"/>.</summary>
    public static RootCommand Build(IAnsiConsole console, TextReader input, bool interactiveInput) => new("Fine-tune, evaluate and use LaMDA text models (ML.NET model files).")
    {
        TrainCommand.Create(console),
        EvaluateCommand.Create(console),
        PredictCommand.Create(console, input, interactiveInput),
        ExportCommand.Create(console),
        ImportOnnxCommand.Create(console),
        new Command("similarity", "Sentence-similarity models (regression on sentence pairs); evaluate and predict with 'lamda evaluate' and 'lamda predict'.")
        {
            SimilarityTrainCommand.Create(console),
        },
    };

    /// <summary>Parses and runs <paramref name="args"/>; parse errors and help go to <paramref name="parserOutput"/>.</summary>
    public static int Run(string[] args, IAnsiConsole console, TextReader input, bool interactiveInput, TextWriter parserOutput) =>
        Build(console, input, interactiveInput).Parse(args).Invoke(new InvocationConfiguration { Output = parserOutput, Error = parserOutput });
}
