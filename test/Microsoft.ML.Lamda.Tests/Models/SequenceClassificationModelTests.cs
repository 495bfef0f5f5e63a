using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Models;

public class SequenceClassificationModelTests
{
    private static EncoderConfig Tiny(string type, double dropout = 0.0) => EncoderConfig.Parse($$"""
        {"model_type":"{{type}}","vocab_size":40,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":2,
         "intermediate_size":32,"max_position_embeddings":24,"hidden_dropout_prob":{{dropout}},"attention_probs_dropout_prob":{{dropout}},
         "relative_attention":true,"position_buckets":4,"share_att_key":false,"pos_att_type":"c2p|p2c","norm_rel_ebd":"none","num_labels":3}
        """, "tiny");

    private static SequenceClassificationModel Random(string type, double dropout = 0.0)
    {
        torch.manual_seed(3);
        return SequenceClassificationModel.Create(Tiny(type, dropout), new SequenceClassificationModelOptions { Device = "cpu" });
    }

    public static TheoryData<string> Types => new(["bert", "roberta", "deberta-v2"]);

    [Theory]
    [MemberData(nameof(Types))]
    public void Right_padding_does_not_change_the_logits_of_real_tokens(string type)
    {
        using var model = Random(type);
        using var noGrad = torch.no_grad();
        using var ids = torch.tensor(new long[,] { { 2, 5, 7, 9, 3 } });
        using var padded = torch.tensor(new long[,] { { 2, 5, 7, 9, 3, 1, 1, 1 } });
        using var mask = torch.ones(1, 5, ScalarType.Int64);
        using var paddedMask = torch.tensor(new long[,] { { 1, 1, 1, 1, 1, 0, 0, 0 } });
        using var plain = model.Forward(ids, mask);
        using var withPads = model.Forward(padded, paddedMask);
        Assert.True(plain.allclose(withPads, rtol: 0, atol: 1e-5), $"{plain.str()} vs {withPads.str()}");
        Assert.Equal([1L, 3L], plain.shape);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Gradients_reach_every_parameter_and_no_grad_is_respected(string type)
    {
        using var model = Random(type);
        model.Train(true);
        using var ids = torch.tensor(new long[,] { { 2, 5, 7, 9, 3 }, { 2, 8, 3, 1, 1 } });
        using var mask = torch.tensor(new long[,] { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 0, 0 } });
        using (torch.no_grad())
        using (var logits = model.Forward(ids, mask))
            Assert.False(logits.requires_grad);
        using var loss = model.Forward(ids, mask).pow(2).sum();
        loss.backward();
        var without = model.Network.named_parameters()
            .Where(p => p.parameter.grad is null || p.parameter.grad.abs().sum().item<float>() == 0)
            .Select(p => p.name)
            .Where(name => !name.Contains("token_type_embeddings") && !name.Contains("position_embeddings"))
            .ToList();
        Assert.Empty(without);
    }

    [Fact]
    public void Dropout_acts_only_in_training_mode()
    {
        using var model = Random("deberta-v2", dropout: 0.3);
        using var noGrad = torch.no_grad();
        using var ids = torch.tensor(new long[,] { { 2, 5, 7, 9, 3 } });
        using var mask = torch.ones(1, 5, ScalarType.Int64);
        using var first = model.Forward(ids, mask);
        using var second = model.Forward(ids, mask);
        Assert.True(first.equal(second).all().item<bool>());
        model.Train(true);
        using var trained = model.Forward(ids, mask);
        Assert.False(first.allclose(trained));
    }

    [Fact]
    public void Bfloat16_model_runs_and_stays_near_float32()
    {
        using var full = Random("bert");
        using var folder = Checkpoints.CheckpointFolder.Empty();
        full.SavePretrained(folder.Path);
        using var half = SequenceClassificationModel.FromPretrained(folder.Path, new SequenceClassificationModelOptions { Device = "cpu", DType = ScalarType.BFloat16 });
        Assert.All(half.Network.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        using var noGrad = torch.no_grad();
        using var ids = torch.tensor(new long[,] { { 2, 5, 7, 9, 3 } });
        using var mask = torch.ones(1, 5, ScalarType.Int64);
        using var a = full.Forward(ids, mask);
        using var b = half.Forward(ids, mask);
        Assert.Equal(ScalarType.BFloat16, b.dtype);
        var error = (a - b.to(ScalarType.Float32)).abs().max().item<float>();
        Assert.True(error is > 0 and < 0.05f, $"bfloat16 differs from float32 by {error}");
    }

    [Fact]
    public void Bad_inputs_are_refused_with_what_was_expected()
    {
        using var model = Random("roberta");
        using var ids = torch.tensor(new long[,] { { 2, 5, 70 } });
        using var mask = torch.ones(1, 3, ScalarType.Int64);
        Assert.Contains("outside [0, 40)", Assert.Throws<ArgumentException>(() => model.Forward(ids, mask)).Message);
        using var floats = torch.ones(1, 3);
        Assert.Contains("int32 or int64", Assert.Throws<ArgumentException>(() => model.Forward(floats, mask)).Message);
        using var shortMask = torch.ones(1, 2, ScalarType.Int64);
        using var good = torch.tensor(new long[,] { { 2, 5, 7 } });
        Assert.Contains("attentionMask has shape [1, 2]", Assert.Throws<ArgumentException>(() => model.Forward(good, shortMask)).Message);
        using var tooLong = torch.full(1, 23, 5L);
        using var longMask = torch.ones(1, 23, ScalarType.Int64);
        Assert.Contains("at most 22", Assert.Throws<ArgumentException>(() => model.Forward(tooLong, longMask)).Message);
    }

    [Fact]
    public void Log_buckets_match_transformers_formula()
    {
        // transformers' make_log_bucket_position evaluated in Python (float64) for bucket_size 16 / max_position 64
        // and for DeBERTa-v3-base's 256 / 512.
        long[] relative = [-63, -20, -9, -8, -7, 0, 7, 8, 9, 20, 63];
        Assert.Equal([-15, -12, -9, -8, -7, 0, 7, 8, 9, 12, 15], relative.Select(r => RelativePositions.Bucket(r, 16, 64)).ToArray());
        long[] large = [-511, -300, -129, 129, 300, 511, 1000];
        Assert.Equal([-255, -207, -129, 129, 207, 255, 317], large.Select(r => RelativePositions.Bucket(r, 256, 512)).ToArray());
    }
}
