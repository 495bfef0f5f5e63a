using System.CommandLine;
using Microsoft.ML.Lamda.Checkpoints;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>lamda import-onnx MODEL.onnx OUT</c>: converts a BERT-family ONNX encoder (BERT, RoBERTa, DeBERTa-v2/v3 with its
/// initializer names) into a Hugging Face folder: config.json inferred from the graph, model.safetensors, and the
/// tokenizer files found beside the ONNX file.
/// </summary>
internal static class ImportOnnxCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = new Argument<string>("MODEL") { Description = "The .onnx file, or a folder holding model.onnx (a config.json beside it overrides the inferred settings)." };
        var output = new Argument<string>("OUT") { Description = "The Hugging Face folder to write (config.json, model.safetensors, tokenizer files)." };
        var force = new Option<bool>("--force") { Description = "Replace a non-empty folder." };
        var command = new Command("import-onnx", "Convert an ONNX encoder export into a Hugging Face checkpoint folder.") { model, output, force };
        command.SetAction(parse => CommandErrors.Guard(console, () =>
        {
            var source = parse.GetValue(model)!;
            var onnx = OnnxEncoderImporter.OnnxFileOf(source)
                ?? throw new CliException($"'{source}' is neither an .onnx file nor a folder holding model.onnx (without model.safetensors).");
            var target = parse.GetValue(output)!;
            bool overwrite = parse.GetValue(force);
            try
            {
                OnnxEncoderImporter.ConvertToHuggingFace(onnx, target, overwrite, line => console.MarkupLineInterpolated($"[grey]{line}[/]"));
            }
            catch (IOException error) when (!overwrite && error is not CheckpointFormatException && error.Message.Contains("not empty", StringComparison.Ordinal))
            {
                throw new CliException($"{error.Message} Pass --force to replace it.");
            }
            console.MarkupLineInterpolated($"Wrote Hugging Face folder [bold]{Path.GetFullPath(target)}[/]; use it as --model or ModelPath.");
        }));
        return command;
    }
}
