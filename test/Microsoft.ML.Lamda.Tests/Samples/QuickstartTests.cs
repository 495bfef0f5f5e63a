using Microsoft.ML.Lamda.MiniLM;
using Microsoft.ML.Lamda.Samples.Quickstart;
using Microsoft.ML.Lamda.Tests.MLNet;

namespace Microsoft.ML.Lamda.Tests.Samples;

/// <summary>The quickstart in its reduced (--quick) mode, on the bundled data and the embedded encoder.</summary>
[Collection(SerialTrainingCollection.Name)]
public sealed class QuickstartTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("lamda-quickstart-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public void QuickRunBeatsTheMajorityClassAndReloadsItsModel()
    {
        // One libtorch thread: on a busy 2-core machine (the whole suite runs at once) two threads contend and run ~4x slower.
        TorchSharp.torch.set_num_threads(1);
        var settings = QuickstartSettings.Reduced(Path.Combine(AppContext.BaseDirectory, "data"), _output) with { Encoder = QuickstartEncoder.Embedded, Device = TestDevice.Name };
        var log = new StringWriter();

        var result = QuickstartRun.Run(settings, log);

        Assert.Equal(10, result.Lamda.ClassNames.Count);
        Assert.InRange(result.MajorityAccuracy, 0.09, 0.11);  // balanced test slice
        Assert.True(result.Lamda.Metrics.MicroAccuracy > result.MajorityAccuracy + 0.05,
            $"LaMDA accuracy {result.Lamda.Metrics.MicroAccuracy:P1} does not beat the majority class ({result.MajorityAccuracy:P1}).\n{log}");
        Assert.True(result.Classic.Metrics.MicroAccuracy > result.MajorityAccuracy, log.ToString());
        Assert.True(result.Lamda.TrainableParameters < 0.05 * 5_000_000, "LaMDA trains a few percent of the encoder's parameters.");

        Assert.True(File.Exists(result.ModelPath));
        Assert.Equal(Path.Combine(Path.GetDirectoryName(result.ModelPath)!, "model.onnx"), result.OnnxPath);
        Assert.True(File.Exists(result.OnnxPath) && File.Exists(result.OnnxPath + ".json"));
        Assert.Equal(QuickstartRun.SampleDescriptions.Count, result.Predictions.Count);
        Assert.All(result.Predictions, p => Assert.Contains(p.Section, result.Lamda.ClassNames));
        Assert.All(result.Predictions, p => Assert.InRange(p.Probability, 0.1f, 1f));  // the largest of 10 probabilities

        var report = File.ReadAllText(result.ReportPath);
        Assert.Contains("![training loss](training-loss.png)", report);
        Assert.True(new FileInfo(Path.Combine(_output, "training-loss.png")).Length > 1000);
        Assert.Contains("No checkpoint folder given: using the embedded lamda-mini-deberta-v3 encoder", log.ToString());
    }

    [Fact]
    public void CommandLineFineTunesMiniLmOnATinySlice()
    {
        TorchSharp.torch.set_num_threads(1);
        var output = new StringWriter();

        int exitCode = Program.BuildCommand(output).Parse(["--quick", "--encoder", "minilm", "--method", "lora", "--train-rows", "40", "--epochs", "1",
            "--max-length", "24", "--data", Path.Combine(AppContext.BaseDirectory, "data"), "--output", _output])
            .Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });

        Assert.True(exitCode == 0, output.ToString());
        Assert.Contains("Fine-tuning all-MiniLM-L6-v2 with LoRA", output.ToString());
        Assert.Contains("encoder all-MiniLM-L6-v2,", File.ReadAllText(Path.Combine(_output, "report.md")));
        Assert.True(File.Exists(Path.Combine(_output, "model.zip")));
        Assert.True(File.Exists(Path.Combine(_output, "vocab.txt")), "The ONNX export writes the WordPiece vocabulary beside model.onnx.");
    }

    [Theory]
    [InlineData("--method", "adapterx")]
    [InlineData("--encoder", "bert-large")]
    [InlineData("--device", "tpu")]
    public void CommandLineRejectsAnUnknownChoice(string option, string value)
    {
        var output = new StringWriter();
        int exitCode = Program.BuildCommand(output).Parse([option, value]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });
        Assert.NotEqual(0, exitCode);
        Assert.Contains(value, output.ToString());
    }

    [Fact]
    public void EncoderChoiceMapsToTheTrainersModelPath()
    {
        Assert.Equal(QuickstartEncoders.Default, QuickstartSettings.Full("data", "out").Encoder);
        Assert.Equal("minilm", QuickstartEncoders.CommandName(QuickstartEncoder.MiniLM));
        Assert.Equal(QuickstartEncoder.MiniLM, QuickstartEncoders.Parse("minilm"));
        Assert.Equal(QuickstartEncoder.Embedded, QuickstartEncoders.Parse("embedded"));
        Assert.Null(QuickstartEncoders.ModelPath(QuickstartEncoder.Embedded));  // the trainers' default: the embedded encoder
        Assert.Equal(MiniLmEncoder.GetCheckpointFolder(), QuickstartEncoders.ModelPath(QuickstartEncoder.MiniLM));
        Assert.Equal("all-MiniLM-L6-v2", QuickstartEncoders.DisplayName(QuickstartEncoder.MiniLM));
        Assert.Equal("lamda-mini-deberta-v3", QuickstartEncoders.DisplayName(QuickstartEncoder.Embedded));
    }
}
