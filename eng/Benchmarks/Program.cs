using System.CommandLine;
using System.Text.Json;
using Microsoft.ML.Lamda.Benchmarks;

// The benchmark harness: LaMDA, LaMDA++, LoRA and full fine-tuning on the same model, data and code path.
// The parent runs each configuration in a child process of its own (clean peak memory) and writes
// a markdown report with PNG charts.
var output = new Option<DirectoryInfo>("--output") { Description = "Folder for report.md and the charts.", DefaultValueFactory = _ => new DirectoryInfo("artifacts/benchmarks") };
var models = new Option<string[]>("--models") { Description = "Model shapes: bert-base, deberta-v3-base.", DefaultValueFactory = _ => new[] { "bert-base", "deberta-v3-base" }, AllowMultipleArgumentsPerToken = true };
var batches = new Option<int[]>("--batches") { Description = "Batch sizes.", DefaultValueFactory = _ => new[] { 8, 16, 32 }, AllowMultipleArgumentsPerToken = true };
var warmup = new Option<int>("--warmup") { Description = "Untimed steps before measuring.", DefaultValueFactory = _ => 1 };
var steps = new Option<int>("--steps") { Description = "Timed steps per configuration (the median is reported).", DefaultValueFactory = _ => 3 };
var bfloat16 = new Option<bool>("--bfloat16") { Description = "Also measure every method in bfloat16 at the largest batch (BERT-base shape); on a CPU without native bfloat16 GEMMs one step can take many minutes." };
var smoke = new Option<bool>("--smoke") { Description = "Tiny models, two steps per method: checks the harness end to end in seconds." };
var defaultAllocator = new Option<bool>("--default-allocator")
{
    Description = "Run the children with glibc's default allocator settings: step times as an application sees them, but peak memory then counts freed memory the heap keeps (use a separate --output).",
};
var device = new Option<string>("--device") { Description = "Device of the measured training and inference: cpu, cuda or cuda:N (CUDA needs the CUDA build: -p:LamdaTorchBackend=cuda).", DefaultValueFactory = _ => "cpu" };
device.Validators.Add(result =>
{
    var name = result.GetValueOrDefault<string>() ?? "cpu";
    try
    {
        if (name.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException("Device 'auto' is not measured: name the device (cpu, cuda or cuda:N).");
        Microsoft.ML.Lamda.Training.DeviceSelector.Resolve(name);
    }
    catch (ArgumentException e)
    {
        result.AddError(e.Message);
    }
});
var root = new RootCommand("Benchmarks LaMDA, LaMDA++, LoRA and full fine-tuning side by side.") { output, models, batches, warmup, steps, bfloat16, smoke, defaultAllocator, device };
root.SetAction(parse =>
{
    bool isSmoke = parse.GetValue(smoke);
    var deviceName = parse.GetValue(device)!.Trim().ToLowerInvariant();
    var trainingCases = (isSmoke ? BenchmarkPlan.Smoke() : BenchmarkPlan.Full(parse.GetValue(models)!, parse.GetValue(batches)!, parse.GetValue(warmup), parse.GetValue(steps), parse.GetValue(bfloat16)))
        .Select(c => c with { Device = deviceName }).ToList();
    var inferenceCases = isSmoke
        ? new[] { new InferenceCase(ModelShape.TinyBert.Name, 4, 16, 4, 8, deviceName) }
        : parse.GetValue(models)!.Select(m => new InferenceCase(m, 32, 128, 8, 64, deviceName)).ToArray();
    var folder = parse.GetValue(output)!.FullName;
    var store = new ResultStore(folder);
    string command = "dotnet run --project eng/Benchmarks -c Release -- " + string.Join(' ', args);
    foreach (var (c, i) in trainingCases.Select((c, i) => (c, i)))
    {
        if (store.Has(c)) { Console.WriteLine($"[{i + 1}/{trainingCases.Count}] already measured: {c.Model} {c.Variant} {c.DType} batch {c.Batch} on {c.Device}"); continue; }
        Console.WriteLine($"[{i + 1}/{trainingCases.Count}] training {c.Model} {c.Variant} {c.DType} batch {c.Batch} on {c.Device}");
        store.Add(ChildProcess.Run<TrainingCase, TrainingResult>("train-child", c, Console.Out, parse.GetValue(defaultAllocator)));
        ReportWriter.Write(folder, MachineDescription.Current(), store.Training, store.Inference, command);
    }
    // Inference measures no memory, so its children keep glibc's defaults: with the mmap threshold the merged
    // model's freshly allocated weights ran 12-15 % slower than the pretrained model's (fresh mappings), which is an
    // artefact of the measurement, not of merging (99.8 % with the defaults).
    foreach (var c in inferenceCases)
    {
        if (store.Has(c)) continue;
        Console.WriteLine($"inference {c.Model} batch {c.Batch}");
        store.Add(ChildProcess.Run<InferenceCase, InferenceResult>("inference-child", c, Console.Out, defaultAllocator: true));
    }
    var report = ReportWriter.Write(folder, MachineDescription.Current(), store.Training, store.Inference, command);
    Console.WriteLine($"Report: {report}");
    return 0;
});

var trainChild = new Command("train-child", "Internal: measures one training configuration.") { new Argument<string>("case") };
trainChild.SetAction(parse =>
{
    var c = JsonSerializer.Deserialize<TrainingCase>(parse.GetValue<string>("case")!)!;
    ChildProcess.Report(TrainingStepBenchmark.Run(c));
});
var inferenceChild = new Command("inference-child", "Internal: measures inference throughput.") { new Argument<string>("case") };
inferenceChild.SetAction(parse =>
{
    var c = JsonSerializer.Deserialize<InferenceCase>(parse.GetValue<string>("case")!)!;
    ChildProcess.Report(InferenceBenchmark.Run(c));
});
var onnxModels = new Option<string[]>("--models") { Description = "bert-base, quickstart (the embedded encoder, 10 classes), tiny-bert.", DefaultValueFactory = _ => new[] { "bert-base", "quickstart" }, AllowMultipleArgumentsPerToken = true };
var onnxBatches = new Option<int[]>("--batches") { Description = "Batch sizes.", DefaultValueFactory = _ => new[] { 1, 32 }, AllowMultipleArgumentsPerToken = true };
var onnxRows = new Option<int>("--rows") { Description = "Rows scored per measurement.", DefaultValueFactory = _ => 64 };
var onnxRounds = new Option<int>("--rounds") { Description = "Measurements per runtime (the median is reported).", DefaultValueFactory = _ => 3 };
var onnxSmoke = new Option<bool>("--smoke") { Description = "tiny-bert, 8 rows, batches 1 and 4, one round: checks the verb in seconds." };
var onnxOutput = new Option<DirectoryInfo>("--output") { Description = "Folder for onnx.md.", DefaultValueFactory = _ => new DirectoryInfo("artifacts/benchmarks") };
var onnx = new Command("onnx", "Rows per second of ONNX Runtime against TorchSharp on the same exported model (float32).") { onnxModels, onnxBatches, onnxRows, onnxRounds, onnxSmoke, onnxOutput };
onnx.SetAction(parse =>
{
    bool isSmoke = parse.GetValue(onnxSmoke);
    var report = OnnxBenchmark.Run(
        isSmoke ? ["tiny-bert"] : parse.GetValue(onnxModels)!,
        isSmoke ? [1, 4] : parse.GetValue(onnxBatches)!,
        isSmoke ? 8 : parse.GetValue(onnxRows),
        isSmoke ? 1 : parse.GetValue(onnxRounds),
        parse.GetValue(onnxOutput)!.FullName,
        "dotnet run --project eng/Benchmarks -c Release -- " + string.Join(' ', args),
        Console.Out);
    Console.WriteLine($"Report: {report}");
    return 0;
});
root.Subcommands.Add(onnx);
root.Subcommands.Add(trainChild);
root.Subcommands.Add(inferenceChild);
return root.Parse(args).Invoke();
