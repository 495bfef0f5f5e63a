using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Lamda.Cli;
using Microsoft.ML.Lamda.Tests.MLNet;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Tests.Cli;

/// <summary>The <c>lamda</c> tool end to end, in process, on a tiny checkpoint and small synthetic files.</summary>
[Collection(SerialTrainingCollection.Name)]
public sealed class LamdaCliTests : IDisposable
{
    private readonly string _checkpoint = TinyTextTasks.WriteCheckpoint();
    private readonly string _folder = Directory.CreateTempSubdirectory("lamda-cli-").FullName;

    public void Dispose()
    {
        Directory.Delete(_checkpoint, recursive: true);
        Directory.Delete(_folder, recursive: true);
    }

    internal static (int ExitCode, string Output) Run(string input, params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        int exitCode = LamdaCommandLine.Run(args, console, new StringReader(input), interactiveInput: false, writer);
        return (exitCode, writer.ToString());
    }

    private string WriteFile(string name, char separator, IEnumerable<string[]> rows)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllLines(path, rows.Select(fields => string.Join(separator, fields)));
        return path;
    }

    private string WriteTopics(string name, char separator, int count, int seed) =>
        WriteFile(name, separator, new[] { new[] { "Label", "Sentence1" } }.Concat(TinyTextTasks.TopicRows(count, seed).Select(r => new[] { r.Label, r.Sentence1 })));

    private string WritePairs(string name, int count) =>
        WriteFile(name, '\t', new[] { new[] { "Sentence1", "Sentence2", "Score" } }
            .Concat(TinyTextTasks.PairRows(count, 1).Select(r => new[] { r.Sentence1, r.Sentence2, r.Label.ToString(CultureInfo.InvariantCulture) })));

    private static double Metric(string output, string name)
    {
        var match = Regex.Match(output, $@"\W{Regex.Escape(name)}\W+(-?[0-9]+\.[0-9]+)");
        Assert.True(match.Success, $"No '{name}' in:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void TrainEvaluateAndPredictAClassifier()
    {
        var train = WriteTopics("train.tsv", '\t', 300, seed: 2);
        var test = WriteTopics("test.txt", ';', 60, seed: 3);
        var model = Path.Combine(_folder, "model.zip");

        var (trainCode, trainOutput) = Run("", "train", "--data", train, "--label", "Label", "--text", "Sentence1",
            "--model", _checkpoint, "--rank", "8", "--epochs", "6", "--learning-rate", "4e-2", "--max-length", "16", "--output", model);
        Assert.True(trainCode == 0, trainOutput);
        Assert.Contains("Trainable parameters", trainOutput);
        Assert.Contains("Lamda", trainOutput);
        Assert.Contains("epoch 6/6", trainOutput);
        Assert.True(File.Exists(model));

        var (evaluateCode, evaluateOutput) = Run("", "evaluate", "--model", model, "--data", test);
        Assert.True(evaluateCode == 0, evaluateOutput);
        Assert.True(Metric(evaluateOutput, "accuracy") > 0.7, trainOutput + evaluateOutput);  // chance: 1/3
        Assert.Contains("music", evaluateOutput);

        var texts = new[] { "w1 goal w2", "w3 song", "cheese w4 w5", "w6 team", "drum w7" };
        var (predictCode, predictOutput) = Run(string.Join('\n', texts) + "\n", "predict", "--model", model);
        Assert.True(predictCode == 0, predictOutput);
        var lines = predictOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(texts.Length, lines.Length);
        Assert.All(lines, line => Assert.Matches(@"^(sports|music|food)\t(0\.[0-9]{4}|1\.0000)$", line));
        var expected = new[] { "sports", "music", "food", "sports", "music" };
        Assert.True(lines.Zip(expected).Count(p => p.First.StartsWith(p.Second + "\t", StringComparison.Ordinal)) >= 3, predictOutput);

        var onnx = Path.Combine(_folder, "export", "model.onnx");
        var (exportCode, exportOutput) = Run("", "export", "--format", "onnx", model, onnx);
        Assert.True(exportCode == 0, exportOutput);
        Assert.True(File.Exists(onnx) && File.Exists(onnx + ".json") && File.Exists(Path.Combine(_folder, "export", "vocab.txt")), exportOutput);
        var (againCode, againOutput) = Run("", "export", "--format", "onnx", model, onnx);
        Assert.Equal(1, againCode);
        Assert.Contains("Pass --force", againOutput);
        Assert.Equal(0, Run("", "export", "--format", "onnx", "--float16", "--force", model, onnx).ExitCode);

        var folder = Path.Combine(_folder, "hf");
        var (hfCode, hfOutput) = Run("", "export", "--format", "hf", model, folder);
        Assert.True(hfCode == 0, hfOutput);
        Assert.Contains("\"music\"", File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors")));
        var (badCode, badOutput) = Run("", "export", "--format", "tflite", model, folder);
        Assert.NotEqual(0, badCode);
        Assert.Contains("tflite", badOutput);
    }

    [Fact]
    public void MissingColumnIsNamedWithTheColumnsFound()
    {
        var train = WriteTopics("train.csv", ',', 10, seed: 1);
        var (code, output) = Run("", "train", "--data", train, "--label", "Label", "--text", "Description", "--model", _checkpoint, "--output", Path.Combine(_folder, "m.zip"));
        Assert.Equal(1, code);
        Assert.Contains("no column 'Description'", output);
        Assert.Contains("(comma-separated) are: 'Label', 'Sentence1'", output);
        Assert.False(File.Exists(Path.Combine(_folder, "m.zip")));
    }

    [Fact]
    public void ExistingOutputIsKeptWithoutForce()
    {
        var train = WriteTopics("train.tsv", '\t', 10, seed: 1);
        var model = Path.Combine(_folder, "model.zip");
        File.WriteAllText(model, "keep me");
        var (code, output) = Run("", "train", "--data", train, "--label", "Label", "--text", "Sentence1", "--model", _checkpoint, "--output", model);
        Assert.Equal(1, code);
        Assert.Contains("already exists; pass --force", output);
        Assert.Equal("keep me", File.ReadAllText(model));
    }

    [Fact]
    public void TrainEvaluateAndPredictSentenceSimilarity()
    {
        string[][] Pairs(int count, int seed) => new[] { new[] { "Sentence1", "Sentence2", "Score" } }
            .Concat(TinyTextTasks.PairRows(count, seed).Select(r => new[] { r.Sentence1, r.Sentence2, r.Label.ToString(CultureInfo.InvariantCulture) })).ToArray();
        var train = WriteFile("pairs.tsv", '\t', Pairs(300, 1));
        var test = WriteFile("pairs-test.tsv", '\t', Pairs(40, 2));
        var model = Path.Combine(_folder, "similarity.zip");

        var (trainCode, trainOutput) = Run("", "similarity", "train", "--data", train, "--model", _checkpoint, "--rank", "16", "--epochs", "5",
            "--learning-rate", "2e-2", "--max-length", "16", "--output", model);
        Assert.True(trainCode == 0, trainOutput);

        var (evaluateCode, evaluateOutput) = Run("", "evaluate", "--model", model, "--data", test);
        Assert.True(evaluateCode == 0, evaluateOutput);
        Assert.True(Metric(evaluateOutput, "Pearson") > 0.5, evaluateOutput);

        var (predictCode, predictOutput) = Run("w1 w2\tsame same same w3\nw4\tw5\n", "predict", "--model", model);
        Assert.True(predictCode == 0, predictOutput);
        var scores = predictOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, scores.Length);
        Assert.True(scores[0] > scores[1], predictOutput);

        var (badCode, badOutput) = Run("no tab here\n", "predict", "--model", model);
        Assert.Equal(1, badCode);
        Assert.Contains("has no tab", badOutput);
    }

    [Theory]
    [InlineData("train", "--label", "Score", "--text", "Sentence1")]
    [InlineData("similarity", "train")]
    public void ModelAndEncoderTogetherAreRefused(params string[] command)
    {
        var train = WritePairs("pairs.tsv", 10);
        var model = Path.Combine(_folder, "m.zip");
        var (code, output) = Run("", [.. command, "--data", train, "--model", _checkpoint, "--encoder", "embedded", "--output", model]);
        Assert.Equal(1, code);
        Assert.Contains("both choose the encoder", output);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void UnknownEncoderIsRefused()
    {
        var train = WriteTopics("train.tsv", '\t', 10, seed: 1);
        var (code, output) = Run("", "train", "--data", train, "--label", "Label", "--text", "Sentence1", "--encoder", "gpt", "--output", Path.Combine(_folder, "m.zip"));
        Assert.NotEqual(0, code);
        Assert.Contains("gpt", output);
    }

    [Fact]
    public void SimilarityTrainsTheEmbeddedEncoderWhenAskedTo()
    {
        var pairs = WritePairs("pairs.tsv", 16);
        var model = Path.Combine(_folder, "similarity.zip");

        var (code, output) = Run("", "similarity", "train", "--data", pairs, "--encoder", "embedded", "--epochs", "1", "--max-length", "16", "--threads", "1", "--output", model);

        Assert.True(code == 0, output);
        Assert.True(File.Exists(model));
        Assert.Contains("Trainable parameters", output);
    }

    [Fact]
    public void DeviceAndPrecisionReachTheTrainer()
    {
        var pairs = WritePairs("pairs-device.tsv", 8);
        var model = Path.Combine(_folder, "device.zip");
        // On this CPU-only build, asking for the GPU reaches the device check of the library, which names the switch.
        var (code, output) = Run("", "similarity", "train", "--data", pairs, "--encoder", "embedded", "--epochs", "1", "--max-length", "16",
            "--threads", "1", "--device", "cuda", "--precision", "bfloat16", "--tf32", "--output", model);
        Assert.NotEqual(0, code);
        Assert.Contains("CUDA is not available", output);
        Assert.False(File.Exists(model));

        var (badCode, badOutput) = Run("", "similarity", "train", "--data", pairs, "--precision", "float16", "--output", model);
        Assert.NotEqual(0, badCode);
        Assert.Contains("float16", badOutput);
    }

    [Fact]
    public void TrainFineTunesMiniLmWhenAskedTo()
    {
        var train = WriteTopics("train.tsv", '\t', 16, seed: 1);
        var model = Path.Combine(_folder, "minilm.zip");

        var (code, output) = Run("", "train", "--data", train, "--label", "Label", "--text", "Sentence1", "--encoder", "minilm", "--method", "lora",
            "--epochs", "1", "--max-length", "16", "--threads", "1", "--output", model);

        Assert.True(code == 0, output);
        Assert.True(File.Exists(model));
        Assert.Contains("Trainable parameters", output);
        var (predictCode, predictOutput) = Run("w1 goal w2\n", "predict", "--model", model);
        Assert.True(predictCode == 0, predictOutput);
        Assert.Matches(@"^(sports|music|food)\t", predictOutput);
    }
}
