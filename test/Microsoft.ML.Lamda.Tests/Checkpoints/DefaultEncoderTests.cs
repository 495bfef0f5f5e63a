using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Tests.Checkpoints;

public sealed class DefaultEncoderTests
{
    [Fact]
    public void ExtractedFilesEqualTheEmbeddedOnesAndLoad()
    {
        var directory = DefaultEncoder.Directory;
        Assert.Equal(directory, DefaultEncoder.Directory);
        Assert.StartsWith($"{DefaultEncoder.Name}-", Path.GetFileName(directory));
        var assembly = typeof(DefaultEncoder).Assembly;
        foreach (var name in DefaultEncoder.FileNames)
        {
            using var embedded = assembly.GetManifestResourceStream($"Microsoft.ML.Lamda.DefaultEncoder/{name}")!;
            using var copy = new MemoryStream();
            embedded.CopyTo(copy);
            Assert.Equal(copy.ToArray(), File.ReadAllBytes(Path.Combine(directory, name)));
        }
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(directory)!, $"{DefaultEncoder.Name}-*.partial-*"));

        var config = EncoderConfig.Load(directory);
        Assert.Equal(EncoderFamily.DebertaV2, config.Family);
        var tokenizer = PretrainedTokenizer.FromDirectory(directory);
        var encoded = tokenizer.Encode("shared library for decoding audio", null, 32);
        Assert.Equal(tokenizer.ClsTokenId, encoded.InputIds[0]);
        Assert.Equal(tokenizer.SepTokenId, encoded.InputIds[encoded.Length - 1]);
    }
}
