using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tests.Checkpoints.Onnx;

namespace Microsoft.ML.Lamda.Tests.Cli;

/// <summary><c>lamda import-onnx</c>: an ONNX encoder (here one exported by our own exporter) to a Hugging Face folder.</summary>
public sealed class ImportOnnxCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lamda-cli-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Converts_an_onnx_encoder_into_a_hugging_face_folder()
    {
        using var original = ExportedOnnx.Create(ExportedOnnx.Bert);
        var source = Path.Combine(_folder, "source");
        ExportedOnnx.Export(original, source);
        File.WriteAllLines(Path.Combine(source, "vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"]);
        var target = Path.Combine(_folder, "hf");

        var (code, output) = LamdaCliTests.Run("", "import-onnx", source, target);
        Assert.True(code == 0, output);
        Assert.Contains("2 layers, hidden size 32, 4 heads", output);
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt" })
            Assert.True(File.Exists(Path.Combine(target, file)), output);
        using (var loaded = SequenceClassificationModel.FromPretrained(target, new SequenceClassificationModelOptions { Device = "cpu" }))
            Assert.InRange(OnnxImportRoundTripTests.MaxDeviation(original, loaded), 0, 1e-5);

        var (again, againOutput) = LamdaCliTests.Run("", "import-onnx", Path.Combine(source, "model.onnx"), target);
        Assert.Equal(1, again);
        Assert.Contains("Pass --force", againOutput);
        Assert.Equal(0, LamdaCliTests.Run("", "import-onnx", "--force", Path.Combine(source, "model.onnx"), target).ExitCode);

        var (missing, missingOutput) = LamdaCliTests.Run("", "import-onnx", Path.Combine(_folder, "nothing.onnx"), Path.Combine(_folder, "out"));
        Assert.Equal(1, missing);
        Assert.Contains("nothing.onnx", missingOutput);
    }
}
