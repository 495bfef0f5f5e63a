using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Tests.Models;

namespace Microsoft.ML.Lamda.Tests.Checkpoints;

public class EncoderConfigTests
{
    private const string Deberta = """{"model_type":"deberta-v2","hidden_size":32,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":64,"vocab_size":50,"relative_attention":true,"position_buckets":8,"share_att_key":true,"norm_rel_ebd":"layer_norm","pos_att_type":POS}""";

    [Theory]
    [InlineData("""["p2c","c2p"]""")]
    [InlineData("\"p2c|c2p\"")]
    [InlineData("\"P2C | c2p\"")]
    public void Pos_att_type_is_read_as_a_list_or_a_pipe_separated_string(string value)
    {
        var config = EncoderConfig.Parse(Deberta.Replace("POS", value), "config.json");
        Assert.Equal(["p2c", "c2p"], config.PositionAttentionTypes);
        Assert.Equal(EncoderFamily.DebertaV2, config.Family);
        Assert.True(config.NormalizeRelativeEmbeddings && config.ShareAttentionKey && config.RelativeAttention);
        Assert.Equal(0, config.TypeVocabSize);
    }

    [Fact]
    public void Reference_configs_are_read_with_their_settings()
    {
        var deberta = EncoderConfig.Load(ReferenceFixture.PathOf("debertav3-cls3"));
        Assert.Equal((48, 2, 4, 96, 16, 3, false, 1e-7), (deberta.HiddenSize, deberta.NumHiddenLayers, deberta.NumAttentionHeads, deberta.IntermediateSize, deberta.PositionBuckets, deberta.NumLabels, deberta.PositionBiasedInput, deberta.LayerNormEps));
        var roberta = EncoderConfig.Load(ReferenceFixture.PathOf("roberta-cls2"));
        Assert.Equal((1, 2, EncoderFamily.Roberta), (roberta.PadTokenId, roberta.NumLabels, roberta.Family));
    }

    [Theory]
    [InlineData("xlm-roberta", EncoderFamily.Roberta)]
    [InlineData("camembert", EncoderFamily.Roberta)]
    [InlineData("bert", EncoderFamily.Bert)]
    public void Roberta_derived_model_types_use_the_roberta_model(string type, EncoderFamily family) =>
        Assert.Equal(family, EncoderConfig.Parse($$"""{"model_type":"{{type}}"}""", "c").Family);

    [Fact]
    public void Unknown_model_type_lists_the_supported_ones()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => EncoderConfig.Parse("""{"model_type":"gpt2"}""", "/x/config.json"));
        Assert.Contains("/x/config.json", error.Message);
        Assert.Contains("'gpt2'", error.Message);
        Assert.Contains("bert, roberta, xlm-roberta, camembert, deberta-v2", error.Message);
    }

    [Theory]
    [InlineData("""{"model_type":"bert","hidden_size":"big"}""", "'hidden_size' is \"big\" but must be an integer")]
    [InlineData("""{"model_type":"bert","hidden_size":50,"num_attention_heads":3}""", "not a multiple")]
    [InlineData("""{"model_type":"bert","hidden_act":"mish2"}""", "'hidden_act' 'mish2' is not a supported activation")]
    [InlineData("""{"model_type":"bert","position_embedding_type":"relative_key"}""", "'relative_key' is not supported")]
    [InlineData("""{"model_type":"deberta-v2","pos_att_type":"p2p"}""", "'p2p'")]
    [InlineData("{not json", "not valid JSON")]
    public void Invalid_values_name_the_key(string json, string problem)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => EncoderConfig.Parse(json, "cfg.json"));
        Assert.Contains(problem, error.Message);
        Assert.StartsWith("cfg.json", error.Message);
    }

    [Fact]
    public void Missing_config_json_names_the_folder()
    {
        using var folder = CheckpointFolder.Empty();
        var error = Assert.Throws<FileNotFoundException>(() => EncoderConfig.Load(folder.Path));
        Assert.Contains(folder.Path, error.Message);
        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void ToJson_round_trips_and_keeps_unknown_keys()
    {
        var original = EncoderConfig.Load(ReferenceFixture.PathOf("debertav3-cls3")).WithNumLabels(5);
        var json = original.ToJson();
        var again = EncoderConfig.Parse(json, "round-trip");
        Assert.Equal((5, original.PositionBuckets, original.LayerNormEps), (again.NumLabels, again.PositionBuckets, again.LayerNormEps));
        Assert.Equal(original.PositionAttentionTypes, again.PositionAttentionTypes);
        Assert.Contains("\"sep_token_id\"", json);
    }
}
