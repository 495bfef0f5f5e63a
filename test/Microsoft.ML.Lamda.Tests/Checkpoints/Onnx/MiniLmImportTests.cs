using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using Xunit.Abstractions;

namespace Microsoft.ML.Lamda.Tests.Checkpoints.Onnx;

/// <summary>
/// The real all-MiniLM-L6-v2 export: the imported model's last hidden state against ONNX Runtime's on the same file
/// and token ids, the inferred configuration, and our WordPiece ids against Hugging Face's uncased BERT rules.
/// </summary>
public sealed class MiniLmImportTests(MiniLmFixture miniLm, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    private const double Tolerance = 1e-4;

    /// <summary>Short, empty, 128 tokens (truncated), accents and other scripts, emoji.</summary>
    public static readonly string[] Texts =
    [
        "Héllo, WORLD!",
        "",
        string.Join(" ", Enumerable.Repeat("The quick brown fox jumps over the lazy dog near the riverbank.", 20)),
        "The café in Zürich serves crème brûlée.",
        "東京タワー 🙂 is unaffable",
        "Ωmega naïve résumé — 10% off!!",
    ];

    [Fact]
    public void Configuration_is_inferred_from_the_graph()
    {
        var config = miniLm.Model.Config;
        Assert.Equal(("bert", 6, 384, 12, 1536), (config.ModelType, config.NumHiddenLayers, config.HiddenSize, config.NumAttentionHeads, config.IntermediateSize));
        Assert.Equal((30522, 512, 2, "gelu"), (config.VocabSize, config.MaxPositionEmbeddings, config.TypeVocabSize, config.HiddenAct));
        Assert.InRange(config.LayerNormEps, 0.99e-12, 1.01e-12);
        Assert.Contains(miniLm.Log, line => line.Contains("no upper-case entries", StringComparison.Ordinal));
    }

    [Fact]
    public void Last_hidden_state_equals_onnx_runtime_on_varied_texts()
    {
        var rows = Texts.Select(text => miniLm.Tokenizer.Encode(text, null, 128)).ToList();
        Assert.Equal(128, rows.Max(row => row.InputIds.Count));
        using var batch = miniLm.Tokenizer.Collate(rows, TorchSharp.torch.CPU);
        float[] ours;
        using (torch.no_grad())
        using (var hidden = miniLm.Model.Encode(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds))
            ours = hidden.contiguous().data<float>().ToArray();

        using var session = new InferenceSession(miniLm.ModelPath);
        var shape = batch.InputIds.shape.Select(size => (int)size).ToArray();
        var inputs = new[] { ("input_ids", batch.InputIds), ("attention_mask", batch.AttentionMask), ("token_type_ids", batch.TokenTypeIds) }
            .Select(pair => NamedOnnxValue.CreateFromTensor(pair.Item1, new DenseTensor<long>(pair.Item2.contiguous().data<long>().ToArray(), shape)))
            .ToList();
        using var results = session.Run(inputs, ["last_hidden_state"]);
        var reference = results.Single().AsTensor<float>().ToArray();

        Assert.Equal(reference.Length, ours.Length);
        var mask = batch.AttentionMask.contiguous().data<long>().ToArray();
        double largest = 0, largestOnTokens = 0, largestValue = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double deviation = Math.Abs(ours[i] - reference[i]);
            largest = Math.Max(largest, deviation);
            if (mask[i / 384] == 1) largestOnTokens = Math.Max(largestOnTokens, deviation);
            largestValue = Math.Max(largestValue, Math.Abs(reference[i]));
        }
        output.WriteLine($"largest deviation from ONNX Runtime over {rows.Count} rows x {shape[1]} positions x 384: {largest:E2} ({largestOnTokens:E2} on real tokens; largest |value| {largestValue:F2})");
        Assert.InRange(largest, 0, Tolerance);
    }

    /// <summary>
    /// Expected ids derived by hand from the package's vocab.txt (id = line number − 1, checked with
    /// <c>sed -n "$((id+1))p" vocab.txt</c>), following Hugging Face's uncased BERT: lower-case, NFD and drop accents,
    /// split punctuation and CJK ideographs into words of their own, greedy longest-match WordPiece with "##"
    /// continuations, and [UNK] (100) for a word with no decomposition (the emoji).
    /// </summary>
    [Theory]
    [InlineData("Héllo, WORLD!", new[] { 101, 7592, 1010, 2088, 999, 102 })]   // hello , world !
    [InlineData("", new[] { 101, 102 })]
    [InlineData("The café in Zürich serves crème brûlée.", new[] { 101, 1996, 7668, 1999, 10204, 4240, 13675, 21382, 7987, 9307, 2063, 1012, 102 })]   // the cafe in zurich serves cr ##eme br ##ule ##e .
    [InlineData("東京タワー 🙂 is unaffable", new[] { 101, 1879, 1755, 1709, 30262, 30265, 100, 2003, 14477, 20961, 3468, 102 })]   // 東 京 タ ##ワ ##ー [UNK] is una ##ffa ##ble
    [InlineData("Ωmega naïve résumé — 10% off!!", new[] { 101, 1179, 4168, 3654, 15743, 13746, 1517, 2184, 1003, 2125, 999, 999, 102 })]   // ω ##me ##ga naive resume — 10 % off ! !
    public void WordPiece_ids_follow_uncased_bert_rules(string text, int[] expected)
    {
        Assert.Equal(expected, miniLm.Tokenizer.Encode(text, null, 128).InputIds);
    }
}
