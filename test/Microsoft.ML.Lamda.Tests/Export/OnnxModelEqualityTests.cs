using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tests.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Export;

/// <summary>
/// ONNX Runtime on an exported model gives the logits and probabilities of our own forward pass within 1e-4, for
/// each family (the transformers-made reference checkpoints and tiny models built here for the variants they lack):
/// single rows, pairs, batches with padding, and sequences of the maximum length.
/// </summary>
public sealed class OnnxModelEqualityTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-onnx-").FullName;

    public static TheoryData<string> Fixtures => new(ReferenceFixture.Names);

    /// <summary>Variants the reference checkpoints do not cover, by name.</summary>
    private static readonly Dictionary<string, string> Variants = new()
    {
        // Unshared position keys, c2p only, unbucketed relative positions, absolute positions and token types, tanh-GELU.
        ["deberta-c2p-unbucketed"] = """
            {"model_type":"deberta-v2","vocab_size":50,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":64,
             "max_position_embeddings":40,"type_vocab_size":2,"relative_attention":true,"max_relative_positions":6,"position_buckets":-1,
             "share_att_key":false,"pos_att_type":"c2p","position_biased_input":true,"hidden_act":"gelu_new","pooler_hidden_act":"tanh",
             "initializer_range":0.2,"num_labels":4}
            """,
        // p2c only through pos_query_proj, an odd bucket count that saturates before the longest sequence.
        ["deberta-p2c-odd-buckets"] = """
            {"model_type":"deberta-v2","vocab_size":50,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":64,
             "max_position_embeddings":40,"type_vocab_size":0,"relative_attention":true,"max_relative_positions":12,"position_buckets":5,
             "share_att_key":false,"pos_att_type":"p2c","position_biased_input":false,"norm_rel_ebd":"layer_norm","initializer_range":0.2,"num_labels":2}
            """,
        ["deberta-absolute-only"] = """
            {"model_type":"deberta-v2","vocab_size":50,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":64,
             "max_position_embeddings":40,"type_vocab_size":0,"relative_attention":false,"position_biased_input":true,"initializer_range":0.2,"num_labels":3}
            """,
        // One output (similarity / regression): logits only.
        ["bert-regression-relu"] = """
            {"model_type":"bert","vocab_size":50,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":64,
             "max_position_embeddings":40,"hidden_act":"relu","initializer_range":0.2,"num_labels":1}
            """,
        ["xlm-roberta-quick-gelu"] = """
            {"model_type":"xlm-roberta","vocab_size":50,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":64,
             "max_position_embeddings":42,"type_vocab_size":1,"pad_token_id":1,"hidden_act":"quick_gelu","initializer_range":0.2,"num_labels":3}
            """,
    };

    public static TheoryData<string> VariantNames => new(Variants.Keys);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Reference_checkpoints_give_the_same_outputs_in_onnx_runtime(string name)
    {
        var fixture = ReferenceFixture.Load(name);
        using var model = SequenceClassificationModel.FromPretrained(fixture.Directory, new SequenceClassificationModelOptions { Device = "cpu" });
        var path = Path.Combine(_directory, name + ".onnx");
        model.ExportToOnnx(path);
        using var runner = new OnnxRunner(path);

        // transformers' own outputs for the fixture's pairs.
        var outputs = runner.Run(fixture.InputIds, fixture.AttentionMask, fixture.TokenTypeIds);
        var reference = MaxDifference(outputs["logits"], fixture.Logits);
        output.WriteLine($"{name}: ONNX Runtime vs transformers logits {reference:E2}");
        Assert.InRange(reference, 0, Tolerance);

        var worst = CompareBatches(model, runner, seed: name.Length);
        output.WriteLine($"{name}: ONNX Runtime vs TorchSharp, largest deviation {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(VariantNames))]
    public void Variants_give_the_same_outputs_in_onnx_runtime(string name)
    {
        var config = EncoderConfig.Parse(Variants[name], name);
        torch.manual_seed(7);
        using var model = SequenceClassificationModel.Create(config, new SequenceClassificationModelOptions { Device = "cpu" });
        var path = Path.Combine(_directory, name + ".onnx");
        model.ExportToOnnx(path);
        using var runner = new OnnxRunner(path);
        Assert.Equal(config.NumLabels > 1 ? ["logits", "probabilities"] : ["logits"], runner.OutputNames.Order().ToArray());
        Assert.Equal(config.TypeVocabSize > 1, runner.InputNames.Contains("token_type_ids"));
        var worst = CompareBatches(model, runner, seed: 3);
        output.WriteLine($"{name}: ONNX Runtime vs TorchSharp, largest deviation {worst:E2}");
    }

    [Fact]
    public void Float16_weights_halve_the_file_and_stay_close()
    {
        var fixture = ReferenceFixture.Load("debertav3-cls3");
        using var model = SequenceClassificationModel.FromPretrained(fixture.Directory, new SequenceClassificationModelOptions { Device = "cpu" });
        var full = Path.Combine(_directory, "full.onnx");
        var half = Path.Combine(_directory, "half.onnx");
        model.ExportToOnnx(full);
        model.ExportToOnnx(half, new ModelExportOptions { Float16Weights = true });
        Assert.InRange(new FileInfo(half).Length, new FileInfo(full).Length * 0.4, new FileInfo(full).Length * 0.6);
        using var runner = new OnnxRunner(half);
        var outputs = runner.Run(fixture.InputIds, fixture.AttentionMask);
        Assert.InRange(MaxDifference(outputs["logits"], fixture.Logits), 0, 5e-3);
    }

    /// <summary>Single rows, a padded batch of pairs, and full-length rows; returns the largest deviation of logits and probabilities.</summary>
    private static double CompareBatches(SequenceClassificationModel model, OnnxRunner runner, int seed)
    {
        var config = model.Config;
        var maxLength = config.Family == EncoderFamily.Roberta ? config.MaxPositionEmbeddings - config.PadTokenId - 1 : config.MaxPositionEmbeddings;
        var random = new Random(seed);
        double worst = 0;
        foreach (var lengths in new[] { new[] { 5 }, new[] { 2 }, new[] { 9, 3, 14, 1, 7 }, new[] { maxLength }, new[] { maxLength, 4 } })
        {
            var (ids, mask, types) = Batch(config, lengths, random);
            using var noGrad = torch.no_grad();
            using var logits = model.Forward(torch.tensor(ids), torch.tensor(mask), torch.tensor(types));
            var expected = ToMatrix(logits);
            var outputs = runner.Run(ids, mask, types);
            var difference = MaxDifference(outputs["logits"], expected);
            if (config.NumLabels > 1)
            {
                using var softmax = logits.softmax(1);
                difference = Math.Max(difference, MaxDifference(outputs["probabilities"], ToMatrix(softmax)));
            }
            Assert.True(difference <= Tolerance, $"lengths [{string.Join(", ", lengths)}]: ONNX Runtime differs by {difference}");
            worst = Math.Max(worst, difference);
        }
        return worst;
    }

    /// <summary>Rows of the given lengths (a CLS-like first token, random non-pad ids, a second segment in the second half), right-padded.</summary>
    private static (long[,] Ids, long[,] Mask, long[,] Types) Batch(EncoderConfig config, int[] lengths, Random random)
    {
        var width = lengths.Max();
        var (ids, mask, types) = (new long[lengths.Length, width], new long[lengths.Length, width], new long[lengths.Length, width]);
        for (int row = 0; row < lengths.Length; row++)
        {
            for (int j = 0; j < width; j++)
            {
                var inside = j < lengths[row];
                long id;
                do id = random.Next(config.VocabSize); while (id == config.PadTokenId);
                ids[row, j] = inside ? id : config.PadTokenId;
                mask[row, j] = inside ? 1 : 0;
                types[row, j] = inside && config.TypeVocabSize > 1 && j >= lengths[row] / 2 ? 1 : 0;
            }
        }
        return (ids, mask, types);
    }

    private static float[,] ToMatrix(Tensor tensor)
    {
        var values = tensor.to(ScalarType.Float32).cpu().data<float>().ToArray();
        var (rows, columns) = ((int)tensor.shape[0], (int)tensor.shape[1]);
        var matrix = new float[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                matrix[i, j] = values[i * columns + j];
        return matrix;
    }

    internal static double MaxDifference(float[,] actual, float[,] expected)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        double worst = 0;
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                worst = Math.Max(worst, Math.Abs(actual[i, j] - expected[i, j]));
        return worst;
    }
}
