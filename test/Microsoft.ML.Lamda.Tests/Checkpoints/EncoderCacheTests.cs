using System.Text;
using Microsoft.ML.Lamda.Checkpoints;

namespace Microsoft.ML.Lamda.Tests.Checkpoints;

/// <summary>The per-user encoder cache shared by the embedded encoder and the MiniLM companion package.</summary>
public sealed class EncoderCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lamda-encoder-cache-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static List<EncoderCacheFile> Files(string weights = "weights", string vocab = "[PAD]\n[UNK]\nhello\n") =>
    [
        new("model.bin", () => new MemoryStream(Encoding.UTF8.GetBytes(weights))),
        new("vocab.txt", () => new MemoryStream(Encoding.UTF8.GetBytes(vocab))),
    ];

    [Fact]
    public void FirstCallExtractsIntoAContentNamedFolderAndTheSecondReusesIt()
    {
        var folder = EncoderCache.Extract(_root, "tiny", Files());

        Assert.Equal(_root, Path.GetDirectoryName(folder));
        Assert.Matches("^tiny-[0-9a-f]{16}$", Path.GetFileName(folder));
        Assert.Equal("weights", File.ReadAllText(Path.Combine(folder, "model.bin")));
        Assert.Equal("[PAD]\n[UNK]\nhello\n", File.ReadAllText(Path.Combine(folder, "vocab.txt")));
        var written = File.GetLastWriteTimeUtc(Path.Combine(folder, "model.bin"));
        var marker = Path.Combine(folder, "kept-by-reuse");
        File.WriteAllText(marker, "");

        var again = EncoderCache.Extract(_root, "tiny", Files());

        Assert.Equal(folder, again);
        Assert.True(File.Exists(marker), "The second call rebuilt the folder instead of reusing it.");
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(folder, "model.bin")));
        Assert.Single(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void DifferentContentGetsADifferentFolder()
    {
        var first = EncoderCache.Extract(_root, "tiny", Files());
        var changedWeights = EncoderCache.Extract(_root, "tiny", Files(weights: "weightz"));
        var renamedFile = EncoderCache.Extract(_root, "tiny",
            [new("model.bin2", () => new MemoryStream(Encoding.UTF8.GetBytes("weights"))), Files()[1]]);

        Assert.Equal(3, new[] { first, changedWeights, renamedFile }.Distinct().Count());
        Assert.Equal("weights", File.ReadAllText(Path.Combine(first, "model.bin")));
        Assert.Equal("weightz", File.ReadAllText(Path.Combine(changedWeights, "model.bin")));
    }

    [Theory]
    [InlineData("flipped")]
    [InlineData("truncated")]
    [InlineData("deleted")]
    public void ADamagedCachedFileIsReplaced(string damage)
    {
        var folder = EncoderCache.Extract(_root, "tiny", Files());
        var vocab = Path.Combine(folder, "vocab.txt");
        switch (damage)
        {
            case "flipped": File.WriteAllText(vocab, "[PAD]\n[UNK]\nhellO\n"); break;  // same length, other bytes
            case "truncated": File.WriteAllText(vocab, "[PAD]\n"); break;
            default: File.Delete(vocab); break;
        }

        var again = EncoderCache.Extract(_root, "tiny", Files());

        Assert.Equal(folder, again);
        Assert.Equal("[PAD]\n[UNK]\nhello\n", File.ReadAllText(vocab));
        Assert.Equal("weights", File.ReadAllText(Path.Combine(folder, "model.bin")));
        Assert.Equal(["model.bin", "vocab.txt"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ConcurrentFirstCallsAgreeOnOneCompleteFolderAndLeaveNoStaging()
    {
        var folders = new string[8];
        Parallel.For(0, folders.Length, new ParallelOptions { MaxDegreeOfParallelism = folders.Length },
            i => folders[i] = EncoderCache.Extract(_root, "tiny", Files()));

        Assert.Single(folders.Distinct());
        Assert.Equal([folders[0]], Directory.GetFileSystemEntries(_root));
        Assert.Equal("weights", File.ReadAllText(Path.Combine(folders[0], "model.bin")));
        Assert.Equal(2, Directory.GetFiles(folders[0]).Length);
    }

    [Fact]
    public void AFileNameWithADirectoryIsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => EncoderCache.Extract(_root, "tiny",
            [new("../escape.bin", () => new MemoryStream([1]))]));
        Assert.Contains("../escape.bin", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }
}
