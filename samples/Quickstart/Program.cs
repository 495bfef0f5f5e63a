using System.CommandLine;
using Microsoft.ML.Lamda.Training;

namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>Command line of the quickstart.</summary>
public static class Program
{
    /// <summary>Parses <paramref name="args"/> and runs the quickstart.</summary>
    public static int Main(string[] args) => BuildCommand(Console.Out).Parse(args).Invoke();

    /// <summary>The root command; runs write their progress to <paramref name="output"/>.</summary>
    public static RootCommand BuildCommand(TextWriter output)
    {
        var quick = new Option<bool>("--quick", "--smoke") { Description = "Train on a small slice (seconds to a minute), for CI." };
        var encoder = new Option<string>("--encoder") { Description = "Encoder to fine-tune: minilm (all-MiniLM-L6-v2, from the Microsoft.ML.Lamda.MiniLM companion package) or embedded (the library's lamda-mini-deberta-v3).", DefaultValueFactory = _ => QuickstartEncoders.CommandName(QuickstartEncoders.Default) };
        encoder.AcceptOnlyFromAmong("minilm", "embedded");
        var method = new Option<string>("--method") { Description = "Fine-tuning method.", DefaultValueFactory = _ => "lamda" };
        method.AcceptOnlyFromAmong("lamda", "lamda++", "lora", "full");
        var outputDirectory = new Option<DirectoryInfo>("--output") { Description = "Folder for model.zip and the report.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "quickstart")) };
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder of debian-sections.{train,validation,test}.tsv.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(AppContext.BaseDirectory, "data")) };
        var trainRows = new Option<int?>("--train-rows") { Description = "Training rows (default 2000, quick 300)." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default 2, quick 3)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest token sequence (default 64, quick 48)." };
        var rank = new Option<int>("--rank") { Description = "Adapter rank.", DefaultValueFactory = _ => 16 };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate (default: the library's: 5e-3 for LaMDA and LaMDA++, a relative step whatever the encoder, with the head at LoRA's rate; by hidden size h, 2e-3 for LoRA and 2e-4 for full fine-tuning, each times min(1, 256/h))." };
        var device = new Option<string>("--device") { Description = "Device: auto (a GPU where the CUDA build finds one, else CPU), cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        device.Validators.Add(result =>
        {
            // Refused before any data is read: an unknown name, or a GPU this build or machine does not have.
            try
            {
                DeviceSelector.Resolve(result.GetValueOrDefault<string>() ?? "auto");
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
        var threads = new Option<int?>("--threads") { Description = "CPU threads of libtorch (default: libtorch's choice, one per core; 1 is faster on a busy machine)." };

        var command = new RootCommand("Fine-tunes all-MiniLM-L6-v2 (or the embedded encoder) on Debian package descriptions with LaMDA and compares it with a classic ML.NET pipeline.")
        {
            quick, encoder, method, outputDirectory, data, trainRows, epochs, maxLength, rank, learningRate, device, threads,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) is int count) TorchSharp.torch.set_num_threads(count);
            var dataFolder = parse.GetValue(data)!.FullName;
            var outputFolder = parse.GetValue(outputDirectory)!.FullName;
            var settings = parse.GetValue(quick) ? QuickstartSettings.Reduced(dataFolder, outputFolder) : QuickstartSettings.Full(dataFolder, outputFolder);
            settings = settings with
            {
                Encoder = QuickstartEncoders.Parse(parse.GetValue(encoder)!),
                Method = ParseMethod(parse.GetValue(method)!),
                TrainRows = parse.GetValue(trainRows) ?? settings.TrainRows,
                Epochs = parse.GetValue(epochs) ?? settings.Epochs,
                MaxLength = parse.GetValue(maxLength) ?? settings.MaxLength,
                Rank = parse.GetValue(rank),
                LearningRate = parse.GetValue(learningRate),
                Device = parse.GetValue(device)!,
            };
            QuickstartRun.Run(settings, output);
            return 0;
        });
        return command;
    }

    /// <summary>The method named on the command line.</summary>
    public static AdapterMethod ParseMethod(string name) => name switch
    {
        "lamda" => AdapterMethod.Lamda,
        "lamda++" => AdapterMethod.LamdaPlusPlus,
        "lora" => AdapterMethod.Lora,
        "full" => AdapterMethod.FullFineTuning,
        _ => throw new ArgumentException($"Unknown method '{name}': expected lamda, lamda++, lora or full.", nameof(name)),
    };
}
