using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Lamda.Tests.Tokenization;

/// <summary>A temporary checkpoint folder holding tiny tokenizer files written by a test; deleted on dispose.</summary>
internal sealed class TokenizerFolder : IDisposable
{
    /// <summary>The WordPiece vocabulary of <see cref="WithBertVocabulary"/>; a token's id is its index.</summary>
    public static readonly string[] BertVocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "!", "the",
        "movie", "was", "great", "##s", "##ing", "play", "un", "##want", "##ed", "cafe",
        "café", "漢", ".", "a",
    ];

    /// <summary>Merges of <see cref="WithByteLevelBpe"/>; each merged symbol gets the next id after the 256 byte symbols.</summary>
    public static readonly string[] BpeMerges = ["Ġ t", "h e", "Ġt he", "l o", "lo w", "Ġ low", "e r", "Ġlow er", "Ġ n", "Ġn e", "Ġne w"];

    public TokenizerFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lamda-tok-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Byte-level BPE id of a single byte: 4 specials (&lt;s&gt;, &lt;pad&gt;, &lt;/s&gt;, &lt;unk&gt;) come first.</summary>
    public static int ByteId(byte value) => 4 + value;

    /// <summary>Byte-level BPE id of a merged symbol such as "Ġthe".</summary>
    public static int MergedId(string symbol) => 260 + Array.FindIndex(BpeMerges, m => m.Replace(" ", "") == symbol);

    public TokenizerFolder WithFile(string name, string content)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, name), content, new UTF8Encoding(false));
        return this;
    }

    public TokenizerFolder WithBytes(string name, byte[] content)
    {
        File.WriteAllBytes(System.IO.Path.Combine(Path, name), content);
        return this;
    }

    public TokenizerFolder WithBertVocabulary() => WithFile("vocab.txt", string.Join("\n", BertVocabulary) + "\n");

    /// <summary>RoBERTa-style files: &lt;s&gt;=0, &lt;pad&gt;=1, &lt;/s&gt;=2, &lt;unk&gt;=3, the 256 byte symbols by byte value, the merges, &lt;mask&gt;.</summary>
    /// <param name="skipBytes">Bytes whose symbols are left out, to exercise unknown handling.</param>
    public TokenizerFolder WithByteLevelBpe(params byte[] skipBytes)
    {
        var vocabulary = new Dictionary<string, int> { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        var symbols = ByteSymbols();
        for (int b = 0; b < 256; b++)
            if (Array.IndexOf(skipBytes, (byte)b) < 0) vocabulary[symbols[b]] = ByteId((byte)b);
        for (int m = 0; m < BpeMerges.Length; m++) vocabulary[BpeMerges[m].Replace(" ", "")] = 260 + m;
        vocabulary["<mask>"] = 260 + BpeMerges.Length;
        WithFile("vocab.json", JsonSerializer.Serialize(vocabulary));
        return WithFile("merges.txt", "#version: 0.2\n" + string.Join("\n", BpeMerges) + "\n");
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);

    /// <summary>GPT-2's <c>bytes_to_unicode</c>: printable bytes stand for themselves, the others are shifted past 255.</summary>
    private static string[] ByteSymbols()
    {
        var symbols = new string[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            symbols[b] = ((char)(printable ? b : 256 + shifted++)).ToString();
        }
        return symbols;
    }
}
