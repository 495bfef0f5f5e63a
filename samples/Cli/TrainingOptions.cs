using System.CommandLine;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary>The options every <c>train</c> command shares, and how they become trainer settings.</summary>
internal sealed class TrainingOptions
{
    public Option<FileInfo> Data { get; } = new("--data") { Description = "Training data: a tab-, comma- or semicolon-separated file with a header row.", Required = true };
    public Option<FileInfo?> Validation { get; } = new("--validation") { Description = "Validation data (same columns), scored after each epoch to keep the best one." };
    public Option<DirectoryInfo?> Model { get; } = new("--model") { Description = "Folder of a pretrained encoder checkpoint (Hugging Face layout, or model.onnx with its tokenizer files); default: the one --encoder names." };
    /// <summary>The encoder trained when neither --model nor --encoder is given.</summary>
    public const string DefaultEncoderName = "minilm";

    public Option<string?> Encoder { get; } = new("--encoder") { Description = "Bundled encoder, when no --model is given: minilm (all-MiniLM-L6-v2, the default) or embedded (lamda-mini-deberta-v3)." };
    public Option<string> Method { get; } = new("--method") { Description = "Fine-tuning method.", DefaultValueFactory = _ => "lamda" };
    public Option<int> Rank { get; } = new("--rank") { Description = "Adapter rank.", DefaultValueFactory = _ => LamdaTrainerOptions.DefaultRank };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Epochs at most.", DefaultValueFactory = _ => 3 };
    public Option<int> MaxLength { get; } = new("--max-length") { Description = "Longest token sequence.", DefaultValueFactory = _ => 128 };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Rows per batch.", DefaultValueFactory = _ => 16 };
    public Option<double?> LearningRate { get; } = new("--learning-rate") { Description = "Peak learning rate (default: the library's: 5e-3 for LaMDA, a relative step whatever the encoder; by hidden size h, 2e-3 for LoRA and 2e-4 for full fine-tuning, times min(1, 256/h))." };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads of libtorch (default: one per core)." };
    public Option<string> Device { get; } = new("--device") { Description = "auto (a GPU where the CUDA build finds one, else CPU), cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
    public Option<string> Precision { get; } = new("--precision") { Description = "Weights and activations: float32 or bfloat16 (half the memory; float32 master copies keep training exact enough).", DefaultValueFactory = _ => "float32" };
    public Option<bool> Tf32 { get; } = new("--tf32") { Description = "On a GPU, let float32 matrix products use TF32 tensor cores (faster, about 1e-3 relative error)." };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of initialisation and data order.", DefaultValueFactory = _ => 1 };
    public Option<FileInfo> Output { get; } = new("--output") { Description = "Model file to write (a .zip).", Required = true };
    public Option<bool> Force { get; } = new("--force") { Description = "Overwrite --output if it exists." };

    public TrainingOptions()
    {
        Method.AcceptOnlyFromAmong("lamda", "lamda++", "lora", "full");
        Encoder.AcceptOnlyFromAmong("minilm", "embedded");
        Precision.AcceptOnlyFromAmong("float32", "bfloat16");
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Data, Validation, Model, Encoder, Method, Rank, Epochs, MaxLength, BatchSize, LearningRate, Threads, Device, Precision, Tf32, Seed, Output, Force })
            command.Options.Add(option);
    }

    /// <summary>Fails before any work when --output exists and --force is not given.</summary>
    public string CheckOutput(ParseResult parse)
    {
        var output = parse.GetValue(Output)!.FullName;
        if (File.Exists(output) && !parse.GetValue(Force))
            throw new CliException($"'{output}' already exists; pass --force to overwrite it.");
        if (Directory.Exists(output)) throw new CliException($"--output '{output}' is a folder; expected a model file such as model.zip.");
        return output;
    }

    /// <summary>Copies the shared settings into <paramref name="options"/>.</summary>
    public void Apply(ParseResult parse, LamdaTrainerOptions options)
    {
        if (parse.GetValue(Threads) is int threads) TorchSharp.torch.set_num_threads(threads);
        options.ModelPath = ModelPath(parse);
        options.Method = ParseMethod(parse.GetValue(Method)!);
        options.Rank = parse.GetValue(Rank);
        options.MaxEpochs = parse.GetValue(Epochs);
        options.MaxSequenceLength = parse.GetValue(MaxLength);
        options.BatchSize = parse.GetValue(BatchSize);
        options.LearningRate = parse.GetValue(LearningRate);
        options.Seed = parse.GetValue(Seed);
        options.Device = parse.GetValue(Device)!;
        options.Precision = parse.GetValue(Precision) == "bfloat16" ? LamdaPrecision.BFloat16 : LamdaPrecision.Float32;
        options.AllowTf32 = parse.GetValue(Tf32);
    }

    /// <summary>The encoder's folder: --model, else the one --encoder names (null: the embedded encoder).</summary>
    public string? ModelPath(ParseResult parse)
    {
        var model = parse.GetValue(Model);
        var encoder = parse.GetValue(Encoder);
        if (model is not null && encoder is not null)
            throw new CliException($"--model '{model.FullName}' and --encoder {encoder} both choose the encoder; give one of them.");
        if (model is not null) return model.FullName;
        return (encoder ?? DefaultEncoderName) == "minilm" ? MiniLM.MiniLmEncoder.GetCheckpointFolder() : null;
    }

    public static AdapterMethod ParseMethod(string name) => name switch
    {
        "lamda" => AdapterMethod.Lamda,
        "lamda++" => AdapterMethod.LamdaPlusPlus,
        "lora" => AdapterMethod.Lora,
        "full" => AdapterMethod.FullFineTuning,
        _ => throw new CliException($"Unknown method '{name}': expected lamda, lamda++, lora or full."),
    };
}
