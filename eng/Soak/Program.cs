using System.CommandLine;
using Microsoft.ML.Lamda.Soak;

// e.g. nice -n 10 dotnet run --project eng/Soak -c Release -- --predictions 100000 --cycles 20 --output artifacts/soak
var predictionsOption = new Option<int>("--predictions") { Description = "Rows scored through PredictionEngine, and again through batched Transform.", DefaultValueFactory = _ => 100_000 };
var cyclesOption = new Option<int>("--cycles") { Description = "Fit, score and dispose cycles.", DefaultValueFactory = _ => 20 };
var modelOption = new Option<string?>("--model") { Description = "Encoder checkpoint folder (default: the embedded encoder)." };
var outputOption = new Option<string>("--output") { Description = "Folder for samples.csv, memory.png and summary.md.", DefaultValueFactory = _ => "artifacts/soak" };
var sampleOption = new Option<int>("--sample-every") { Description = "Rows between memory samples.", DefaultValueFactory = _ => 5000 };
var threadsOption = new Option<int>("--threads") { Description = "Torch CPU threads (0: libtorch's default).", DefaultValueFactory = _ => 0 };

var root = new RootCommand("Soak: predictions through PredictionEngine and batched Transform, fit/dispose cycles, resident memory over time.")
{
    predictionsOption, cyclesOption, modelOption, outputOption, sampleOption, threadsOption,
};
root.SetAction(parse =>
{
    if (parse.GetValue(threadsOption) is int threads and > 0) TorchSharp.torch.set_num_threads(threads);
    var settings = new SoakSettings(parse.GetValue(predictionsOption), parse.GetValue(cyclesOption), parse.GetValue(modelOption),
        Path.GetFullPath(parse.GetValue(outputOption)!), parse.GetValue(sampleOption));
    var report = SoakRunner.Run(settings, line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"));
    Console.Write(SoakOutputs.Table(report));
    return 0;
});
return root.Parse(args).Invoke();
