using System.CommandLine;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>lamda export --format onnx|hf MODEL.zip OUT</c>: writes a saved model's merged network as an ONNX file (with
/// the tokenizer files and a manifest beside it) or as a Hugging Face model folder.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "Model file written by 'lamda train' or 'lamda similarity train'." };
        var output = new Argument<string>("OUT") { Description = "The .onnx file to write (onnx), or the folder to write (hf)." };
        var format = new Option<string>("--format") { Description = "onnx: one ONNX graph (opset 17) for ONNX Runtime; hf: a Hugging Face model folder.", Required = true };
        format.AcceptOnlyFromAmong("onnx", "hf");
        var float16 = new Option<bool>("--float16") { Description = "onnx: store the weights as float16 (half the file; computed in float32)." };
        var force = new Option<bool>("--force") { Description = "Replace existing files or a non-empty folder." };
        var command = new Command("export", "Export a saved model to ONNX or to a Hugging Face folder.") { model, output, format, float16, force };
        command.SetAction(parse => CommandErrors.Guard(console, () =>
        {
            var mlContext = new MLContext(seed: 1);
            using var saved = SavedModel.Load(mlContext, parse.GetValue(model)!.FullName);
            var target = parse.GetValue(output)!;
            var options = new ModelExportOptions { Overwrite = parse.GetValue(force), Float16Weights = parse.GetValue(float16) };
            var onnx = parse.GetValue(format) == "onnx";
            if (!onnx && options.Float16Weights)
                throw new CliException("--float16 applies to --format onnx only; a Hugging Face folder holds float32 weights.");
            try
            {
                if (onnx) saved.Lamda.ExportToOnnx(target, options);
                else saved.Lamda.ExportToHuggingFace(target, options);
            }
            catch (IOException error) when (!options.Overwrite && error.Message.Contains("exists", StringComparison.Ordinal))
            {
                throw new CliException($"{error.Message} Pass --force to replace it.");
            }
            console.MarkupLineInterpolated($"Exported {(onnx ? "ONNX model" : "Hugging Face folder")} to [bold]{Path.GetFullPath(target)}[/].");
        }));
        return command;
    }
}
