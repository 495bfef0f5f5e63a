using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Lamda.Models;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>
/// The architecture settings of an encoder, read from a Hugging Face <c>config.json</c>
/// (key names and defaults as transformers defines them).
/// </summary>
public sealed record EncoderConfig
{
    /// <summary>The file name of the configuration inside a checkpoint folder.</summary>
    public const string FileName = "config.json";

    /// <summary>The <c>model_type</c> values this library accepts.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["bert", "roberta", "xlm-roberta", "camembert", "deberta-v2"];

    private JsonObject _source = new();

    /// <summary>The <c>model_type</c> as written in the file (e.g. <c>bert</c>, <c>xlm-roberta</c>).</summary>
    public required string ModelType { get; init; }

    /// <summary>The architecture that <see cref="ModelType"/> is built with.</summary>
    public EncoderFamily Family => FamilyOf(ModelType) ?? throw new InvalidOperationException($"model_type '{ModelType}' is not supported.");

    /// <summary><c>vocab_size</c>.</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary><c>hidden_size</c>.</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary><c>num_hidden_layers</c>.</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary><c>num_attention_heads</c>.</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary><c>intermediate_size</c>.</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary><c>hidden_act</c> (gelu, gelu_new, relu, ...).</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary><c>hidden_dropout_prob</c>.</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;

    /// <summary><c>attention_probs_dropout_prob</c>.</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;

    /// <summary><c>max_position_embeddings</c>.</summary>
    public int MaxPositionEmbeddings { get; init; } = 512;

    /// <summary><c>type_vocab_size</c>; 0 means the model has no token type embeddings.</summary>
    public int TypeVocabSize { get; init; } = 2;

    /// <summary><c>initializer_range</c>: the standard deviation of freshly initialised weights.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary><c>layer_norm_eps</c>.</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary><c>pad_token_id</c>.</summary>
    public int PadTokenId { get; init; }

    /// <summary>The number of outputs of the task head (<c>num_labels</c>, or the size of <c>id2label</c>); 1 means regression.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary><c>id2label</c>: label names by index (generated as LABEL_i when absent).</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["LABEL_0", "LABEL_1"];

    /// <summary><c>classifier_dropout</c> (BERT, RoBERTa) or <c>cls_dropout</c> (DeBERTa); null means <see cref="HiddenDropoutProb"/>.</summary>
    public double? ClassifierDropout { get; init; }

    /// <summary>DeBERTa <c>relative_attention</c>.</summary>
    public bool RelativeAttention { get; init; }

    /// <summary>DeBERTa <c>max_relative_positions</c> (values below 1 mean <see cref="MaxPositionEmbeddings"/>).</summary>
    public int MaxRelativePositions { get; init; } = -1;

    /// <summary>DeBERTa <c>position_buckets</c> (log-bucketed relative positions when positive).</summary>
    public int PositionBuckets { get; init; } = -1;

    /// <summary>DeBERTa <c>share_att_key</c>: relative embeddings go through the content query/key projections.</summary>
    public bool ShareAttentionKey { get; init; }

    /// <summary>DeBERTa <c>norm_rel_ebd</c> contains <c>layer_norm</c>: relative embeddings are layer-normalised.</summary>
    public bool NormalizeRelativeEmbeddings { get; init; }

    /// <summary>DeBERTa <c>pos_att_type</c> (<c>c2p</c>, <c>p2c</c>), lower case.</summary>
    public IReadOnlyList<string> PositionAttentionTypes { get; init; } = [];

    /// <summary>DeBERTa <c>position_biased_input</c>: absolute position embeddings are added to the input.</summary>
    public bool PositionBiasedInput { get; init; } = true;

    /// <summary>DeBERTa <c>pooler_hidden_size</c>.</summary>
    public int PoolerHiddenSize { get; init; } = 768;

    /// <summary>DeBERTa <c>pooler_hidden_act</c>.</summary>
    public string PoolerHiddenAct { get; init; } = "gelu";

    /// <summary>DeBERTa <c>pooler_dropout</c>.</summary>
    public double PoolerDropout { get; init; }

    /// <summary>The size of one attention head.</summary>
    public int AttentionHeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>Reads <c>config.json</c> from the checkpoint folder <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no config.json.</exception>
    /// <exception cref="CheckpointFormatException">The file is not valid JSON or describes an unsupported model.</exception>
    public static EncoderConfig Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Checkpoint folder '{directory}' does not exist.");
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint folder '{directory}' has no {FileName}: a Hugging Face model folder (as save_pretrained writes it) holds config.json next to model.safetensors.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a <c>config.json</c>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="CheckpointFormatException">The text is not valid JSON or describes an unsupported model.</exception>
    public static EncoderConfig Parse(string json, string source)
    {
        try
        {
            return ParseCore(json, source);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // JSON strings are decoded when read (an escape of an unpaired surrogate surfaces here); a key given twice too.
            throw new CheckpointFormatException(source, $"config.json holds text that is not valid Unicode, or a key twice ({e.Message}).", e);
        }
    }

    private static EncoderConfig ParseCore(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new CheckpointFormatException(source, "config.json must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(source, $"config.json is not valid JSON ({e.Message}).", e);
        }
        var reader = new ConfigReader(root, source);
        var initializerRange = reader.Double("initializer_range", 0.02);
        if (!(initializerRange >= 0 && double.IsFinite(initializerRange)))
            throw new CheckpointFormatException(source, $"'initializer_range' must be a finite number of at least 0, found {initializerRange}.");
        var modelType = reader.String("model_type", null)
            ?? throw new CheckpointFormatException(source, $"config.json has no 'model_type'; supported model types: {string.Join(", ", SupportedModelTypes)}.");
        var family = FamilyOf(modelType)
            ?? throw new CheckpointFormatException(source, $"model_type '{modelType}' is not supported; supported model types: {string.Join(", ", SupportedModelTypes)}.");
        var deberta = family == EncoderFamily.DebertaV2;
        var hidden = reader.Int("hidden_size", deberta ? 1536 : 768);
        var labels = reader.Labels();
        var config = new EncoderConfig
        {
            _source = root,
            ModelType = modelType,
            VocabSize = reader.Int("vocab_size", deberta ? 128100 : family == EncoderFamily.Roberta ? 50265 : 30522),
            HiddenSize = hidden,
            NumHiddenLayers = reader.Int("num_hidden_layers", deberta ? 24 : 12),
            NumAttentionHeads = reader.Int("num_attention_heads", deberta ? 24 : 12),
            IntermediateSize = reader.Int("intermediate_size", deberta ? 6144 : 3072),
            HiddenAct = reader.String("hidden_act", "gelu")!,
            HiddenDropoutProb = reader.Double("hidden_dropout_prob", 0.1),
            AttentionProbsDropoutProb = reader.Double("attention_probs_dropout_prob", 0.1),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", 512),
            TypeVocabSize = reader.Int("type_vocab_size", deberta ? 0 : 2),
            InitializerRange = initializerRange,
            LayerNormEps = reader.Double("layer_norm_eps", deberta ? 1e-7 : 1e-12),
            PadTokenId = reader.Int("pad_token_id", family == EncoderFamily.Roberta ? 1 : 0),
            NumLabels = labels.Count,
            Labels = labels,
            ClassifierDropout = reader.OptionalDouble(deberta ? "cls_dropout" : "classifier_dropout"),
            RelativeAttention = deberta && reader.Bool("relative_attention", false),
            MaxRelativePositions = reader.Int("max_relative_positions", -1),
            PositionBuckets = reader.Int("position_buckets", -1),
            ShareAttentionKey = deberta && reader.Bool("share_att_key", false),
            NormalizeRelativeEmbeddings = deberta && reader.SplitList("norm_rel_ebd").Contains("layer_norm"),
            PositionAttentionTypes = deberta ? reader.SplitList("pos_att_type") : [],
            PositionBiasedInput = !deberta || reader.Bool("position_biased_input", true),
            PoolerHiddenSize = deberta ? reader.Int("pooler_hidden_size", hidden) : hidden,
            PoolerHiddenAct = deberta ? reader.String("pooler_hidden_act", "gelu")! : "tanh",
            PoolerDropout = deberta ? reader.Double("pooler_dropout", 0) : 0,
        };
        reader.RejectUnsupported(deberta);
        config.Validate(source);
        return config;
    }

    /// <summary>A copy of this configuration with a task head of <paramref name="numLabels"/> outputs (labels LABEL_i).</summary>
    public EncoderConfig WithNumLabels(int numLabels)
    {
        if (numLabels < 1)
            throw new ArgumentOutOfRangeException(nameof(numLabels), numLabels, "The number of labels must be at least 1 (1 means regression).");
        if (numLabels == NumLabels)
            return this;
        return this with { NumLabels = numLabels, Labels = Enumerable.Range(0, numLabels).Select(i => $"LABEL_{i}").ToArray() };
    }

    /// <summary>
    /// The configuration as <c>config.json</c> text: the keys of the file it was read from (when it was read from one),
    /// with every setting this record holds written over them.
    /// </summary>
    public string ToJson()
    {
        var root = (JsonObject)_source.DeepClone();
        root["model_type"] = ModelType;
        root["vocab_size"] = VocabSize;
        root["hidden_size"] = HiddenSize;
        root["num_hidden_layers"] = NumHiddenLayers;
        root["num_attention_heads"] = NumAttentionHeads;
        root["intermediate_size"] = IntermediateSize;
        root["hidden_act"] = HiddenAct;
        root["hidden_dropout_prob"] = HiddenDropoutProb;
        root["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        root["max_position_embeddings"] = MaxPositionEmbeddings;
        root["type_vocab_size"] = TypeVocabSize;
        root["initializer_range"] = InitializerRange;
        root["layer_norm_eps"] = LayerNormEps;
        root["pad_token_id"] = PadTokenId;
        root["num_labels"] = NumLabels;
        root["id2label"] = new JsonObject(Labels.Select((label, i) => KeyValuePair.Create(i.ToString(CultureInfo.InvariantCulture), (JsonNode?)label)));
        root["label2id"] = new JsonObject(Labels.Select((label, i) => KeyValuePair.Create(label, (JsonNode?)i)).DistinctBy(pair => pair.Key));
        if (Family == EncoderFamily.DebertaV2)
        {
            root["relative_attention"] = RelativeAttention;
            root["max_relative_positions"] = MaxRelativePositions;
            root["position_buckets"] = PositionBuckets;
            root["share_att_key"] = ShareAttentionKey;
            root["norm_rel_ebd"] = NormalizeRelativeEmbeddings ? "layer_norm" : "none";
            root["pos_att_type"] = new JsonArray(PositionAttentionTypes.Select(type => (JsonNode?)type).ToArray());
            root["position_biased_input"] = PositionBiasedInput;
            root["pooler_hidden_size"] = PoolerHiddenSize;
            root["pooler_hidden_act"] = PoolerHiddenAct;
            root["pooler_dropout"] = PoolerDropout;
            root["cls_dropout"] = ClassifierDropout;
        }
        else
        {
            root["classifier_dropout"] = ClassifierDropout;
        }
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Checks that the sizes fit together.</summary>
    /// <exception cref="CheckpointFormatException">A setting is out of range; the message names it and <paramref name="source"/>.</exception>
    public void Validate(string source = "EncoderConfig")
    {
        void Positive(string key, int value)
        {
            if (value < 1)
                throw new CheckpointFormatException(source, $"'{key}' must be at least 1, found {value}.");
        }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("intermediate_size", IntermediateSize);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        Positive("num_labels", NumLabels);
        if (FamilyOf(ModelType) is null)
            throw new CheckpointFormatException(source, $"model_type '{ModelType}' is not supported; supported model types: {string.Join(", ", SupportedModelTypes)}.");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new CheckpointFormatException(source, $"'hidden_size' {HiddenSize} is not a multiple of 'num_attention_heads' {NumAttentionHeads}.");
        if (TypeVocabSize < 0)
            throw new CheckpointFormatException(source, $"'type_vocab_size' must be 0 or more, found {TypeVocabSize}.");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw new CheckpointFormatException(source, $"'pad_token_id' {PadTokenId} is outside the vocabulary of {VocabSize} tokens.");
        if (Labels.Count != NumLabels)
            throw new CheckpointFormatException(source, $"'id2label' has {Labels.Count} labels but 'num_labels' is {NumLabels}.");
        Activations.Resolve(HiddenAct, "hidden_act", source);
        if (Family == EncoderFamily.DebertaV2)
        {
            Activations.Resolve(PoolerHiddenAct, "pooler_hidden_act", source);
            if (PoolerHiddenSize != HiddenSize)
                throw new CheckpointFormatException(source, $"'pooler_hidden_size' {PoolerHiddenSize} differs from 'hidden_size' {HiddenSize}; only equal sizes are supported.");
            var unknown = PositionAttentionTypes.Where(type => type is not ("c2p" or "p2c")).ToList();
            if (unknown.Count > 0)
                throw new CheckpointFormatException(source, $"'pos_att_type' holds {string.Join(", ", unknown.Select(u => $"'{u}'"))}; supported: c2p, p2c.");
        }
    }

    private static EncoderFamily? FamilyOf(string modelType) => modelType switch
    {
        "bert" => EncoderFamily.Bert,
        "roberta" or "xlm-roberta" or "camembert" => EncoderFamily.Roberta,
        "deberta-v2" => EncoderFamily.DebertaV2,
        _ => null,
    };
}
