using System.Globalization;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Lamda;
using Microsoft.ML.Lamda.Training;

// Usage: Microsoft.ML.Lamda.TrainCheck <encoder folder> <checkpoint folder> <output folder> [marker to hold at]
// Prints "PROGRESS epoch=E step=S" lines, "CHECKPOINT E <stage>" lines while a checkpoint is written, and the
// trainer's resume and checkpoint log lines; at the marker given it stops and waits to be killed. When training
// ends it writes <output>/weights.sha256 (SHA-256 of the merged model.safetensors) and <output>/scores.txt (the
// bits of the scores of fixed texts), then prints "DONE".
if (args.Length is < 3 or > 4)
{
    Console.Error.WriteLine("Usage: Microsoft.ML.Lamda.TrainCheck <encoder folder> <checkpoint folder> <output folder> [marker]");
    return 2;
}
string? holdAt = args.Length == 4 ? args[3] : null;
void Mark(string line)
{
    Console.WriteLine(line);
    Console.Out.Flush();
    if (line == holdAt) Thread.Sleep(Timeout.Infinite);
}

TorchSharp.torch.set_num_threads(1);
TrainingCheckpointStore.StageReached = (epoch, stage) => Mark($"CHECKPOINT {epoch} {stage}");
var mlContext = new MLContext(seed: 7);
mlContext.Log += (_, e) =>
{
    if (e.Message.Contains("Resuming", StringComparison.Ordinal) || e.Message.Contains("Ignoring", StringComparison.Ordinal) || e.Message.Contains("Removing", StringComparison.Ordinal))
        Console.WriteLine("LOG " + e.Message);
};

string[] topics = ["sports", "music", "food"];
string[] words = ["goal match team", "song guitar drum", "bread soup cheese"];
var random = new Random(31);
var rows = Enumerable.Range(0, 96).Select(_ =>
{
    int topic = random.Next(3);
    var topicWords = words[topic].Split(' ');
    var text = string.Join(' ', Enumerable.Range(0, random.Next(2, 5)).Select(_ => random.Next(3) == 0 ? $"w{random.Next(20)}" : topicWords[random.Next(3)]));
    return new Row { Sentence1 = text, Label = topics[topic] };
}).ToList();
var data = mlContext.Data.LoadFromEnumerable(rows);
var keyed = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);

var options = new LamdaTextClassificationTrainer.Options
{
    ModelPath = args[0],
    CheckpointDirectory = args[1],
    Rank = 8,
    MaxEpochs = 3,
    BatchSize = 4,
    Dropout = 0.1,
    LearningRate = 2e-2,
    Device = "cpu", // the kill-and-resume tests compare SHA-256 of weights and score bits: CPU always (GPU backward kernels use atomics)
    Progress = new Reporter(p => Mark($"PROGRESS epoch={p.Epoch} step={p.Step}{(p.IsEpochEnd ? " end" : "")}")),
};
using var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(keyed);

var output = Directory.CreateDirectory(args[2]).FullName;
var huggingFace = Path.Combine(output, "hf");
model.ExportToHuggingFace(huggingFace);
File.WriteAllText(Path.Combine(output, "weights.sha256"), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(huggingFace, "model.safetensors")))));
var texts = new[] { "goal team", "guitar song", "soup bread cheese", "w1 w2", "drum match" }.Select(t => new Row { Sentence1 = t, Label = "sports" });
var scores = model.Transform(mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(mlContext.Data.LoadFromEnumerable(texts))).GetColumn<float[]>("Score");
File.WriteAllLines(Path.Combine(output, "scores.txt"), scores.Select(s => string.Join(' ', s.Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture)))));
Console.WriteLine("DONE");
return 0;

/// <summary>A training row.</summary>
internal sealed class Row
{
    public string Sentence1 { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>Reports progress on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class Reporter(Action<LamdaTrainingProgress> report) : IProgress<LamdaTrainingProgress>
{
    public void Report(LamdaTrainingProgress value) => report(value);
}
