using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Lamda.Tokenization;

namespace Microsoft.ML.Lamda.Export;

/// <summary>
/// The small JSON written beside an exported <c>.onnx</c> file (<c>NAME.onnx.json</c>): the model family, the
/// graph's inputs and outputs, the label names, and how to tokenize (tokenizer files, maximum length, the
/// templates of single texts and pairs with the special token ids and token types).
/// </summary>
internal static class ExportManifest
{
    /// <summary>The manifest's file name for the ONNX file named <paramref name="onnxFileName"/>.</summary>
    public static string FileNameFor(string onnxFileName) => onnxFileName + ".json";

    public static string Write(ExportSource source, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, bool float16Weights)
    {
        var config = source.Model.Config;
        var root = new JsonObject
        {
            ["format"] = "Microsoft.ML.Lamda ONNX export",
            ["opset"] = OnnxGraphBuilder.Opset,
            ["model_type"] = config.ModelType,
            ["family"] = config.Family.ToString(),
            ["task"] = source.Classification ? "classification" : "similarity",
            ["weights"] = float16Weights ? "float16 (cast to float32 in the graph)" : "float32",
            ["inputs"] = new JsonArray(inputs.Select(name => (JsonNode?)name).ToArray()),
            ["outputs"] = new JsonArray(outputs.Select(name => (JsonNode?)name).ToArray()),
            ["labels"] = new JsonArray(source.Labels.Select(name => (JsonNode?)name).ToArray()),
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
        };
        if (source.Tokenizer is { } tokenizer)
            root["tokenizer"] = Tokenizer(tokenizer, inputs.Contains(OnnxEncoderGraph.TokenTypeIds));
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Tokenizer(TokenizerExport export, bool tokenTypeInput)
    {
        var tokenizer = export.Tokenizer;
        var roberta = tokenizer.Layout == SpecialTokenLayout.Roberta;
        return new JsonObject
        {
            ["type"] = tokenizer.Family.ToString(),
            ["files"] = new JsonArray(export.Files.Keys.Order(StringComparer.Ordinal).Select(name => (JsonNode?)name).ToArray()),
            ["max_length"] = export.MaxLength,
            ["text_pairs"] = export.Pairs,
            ["truncation"] = "longest_first",
            ["padding"] = "right, with pad_token_id and attention_mask 0",
            ["cls_token_id"] = tokenizer.ClsTokenId,
            ["sep_token_id"] = tokenizer.SepTokenId,
            ["pad_token_id"] = tokenizer.PadTokenId,
            ["unk_token_id"] = tokenizer.UnknownTokenId,
            ["single_template"] = "CLS $A SEP",
            ["pair_template"] = roberta ? "CLS $A SEP SEP $B SEP" : "CLS $A SEP $B SEP",
            ["token_type_ids"] = !tokenTypeInput ? "not an input of this graph"
                : roberta ? "all 0" : "0 up to and including the first SEP, 1 after it",
        };
    }
}
