using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>
/// Writes the pretrained encoder as a Hugging Face model folder that transformers' <c>DebertaV2ForMaskedLM</c> /
/// <c>DebertaV2Tokenizer</c> and this library's <c>SequenceClassificationModel.FromPretrained</c> load:
/// <c>config.json</c>, <c>model.safetensors</c> (float16; <c>deberta.*</c> and <c>cls.predictions.*</c> keys; the
/// decoder weight is tied to the word embeddings and not stored), <c>tokenizer_config.json</c> and
/// <c>special_tokens_map.json</c> next to the folder's <c>spm.model</c>.
/// </summary>
public static class HuggingFaceFolder
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly (string Key, string Token)[] SpecialTokens =
    [
        ("bos_token", "[CLS]"), ("eos_token", "[SEP]"), ("unk_token", "[UNK]"), ("sep_token", "[SEP]"),
        ("pad_token", "[PAD]"), ("cls_token", "[CLS]"), ("mask_token", "[MASK]"),
    ];

    /// <summary>Writes <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> for DeBERTa-v3's SentencePiece tokenizer.</summary>
    /// <param name="directory">The model folder (holding <c>spm.model</c>).</param>
    /// <param name="modelMaxLength">The longest input the model is meant for.</param>
    public static void WriteTokenizerFiles(string directory, int modelMaxLength)
    {
        var config = new JsonObject
        {
            ["tokenizer_class"] = "DebertaV2Tokenizer",
            ["vocab_type"] = "spm",
            ["do_lower_case"] = false,
            ["split_by_punct"] = false,
            ["model_max_length"] = modelMaxLength,
            ["sp_model_kwargs"] = new JsonObject(),
        };
        var map = new JsonObject();
        foreach (var (key, token) in SpecialTokens)
        {
            config[key] = token;
            map[key] = token;
        }

        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(Indented) + "\n");
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"), map.ToJsonString(Indented) + "\n");
    }

    /// <summary>Writes <c>config.json</c> and the float16 <c>model.safetensors</c>.</summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="config">The configuration to publish (fine-tuning settings such as dropout may differ from pretraining's).</param>
    /// <param name="model">The model whose <c>deberta.*</c> parameters are saved (its untrained task head is not).</param>
    /// <param name="head">The masked-LM head, saved under <see cref="MaskedLanguageModelHead.KeyPrefix"/>.</param>
    public static void WriteModel(string directory, EncoderConfig config, SequenceClassificationModel model, MaskedLanguageModelHead head)
    {
        var json = JsonNode.Parse(config.ToJson())!.AsObject();
        json.Remove("id2label");
        json.Remove("label2id");
        json.Remove("num_labels");
        json["architectures"] = new JsonArray("DebertaV2ForMaskedLM");
        json["torch_dtype"] = "float16";
        json["tie_word_embeddings"] = true;
        File.WriteAllText(Path.Combine(directory, EncoderConfig.FileName), json.ToJsonString(Indented) + "\n");

        var tensors = model.Network.named_parameters()
            .Where(p => p.name.StartsWith(Pretrainer.EncoderPrefix, StringComparison.Ordinal))
            .Concat(head.named_parameters().Select(p => (name: MaskedLanguageModelHead.KeyPrefix + p.name, p.parameter)))
            .Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter));
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors, ScalarType.Float16,
            new Dictionary<string, string> { ["format"] = "pt" });
    }
}
