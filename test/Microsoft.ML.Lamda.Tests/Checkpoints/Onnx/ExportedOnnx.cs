using Google.Protobuf;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Onnx;

namespace Microsoft.ML.Lamda.Tests.Checkpoints.Onnx;

/// <summary>Tiny models exported by our own ONNX exporter, as import inputs, and edits of their graphs.</summary>
internal static class ExportedOnnx
{
    public const string Bert = """
        {"model_type":"bert","vocab_size":40,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":48,
         "max_position_embeddings":64,"layer_norm_eps":1e-7,"initializer_range":0.2,"num_labels":3}
        """;

    public const string RobertaQuickGelu = """
        {"model_type":"roberta","vocab_size":40,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":64,
         "max_position_embeddings":42,"type_vocab_size":1,"pad_token_id":1,"hidden_act":"quick_gelu","initializer_range":0.2,"num_labels":2}
        """;

    public const string BertRelu = """
        {"model_type":"bert","vocab_size":40,"hidden_size":16,"num_hidden_layers":1,"num_attention_heads":8,"intermediate_size":20,
         "max_position_embeddings":30,"hidden_act":"relu","initializer_range":0.2,"num_labels":1}
        """;

    /// <summary>DeBERTa-v2 without relative attention (what our exporter writes with initializer names only).</summary>
    public const string DebertaAbsolute = """
        {"model_type":"deberta-v2","vocab_size":40,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":64,
         "max_position_embeddings":40,"type_vocab_size":0,"relative_attention":false,"position_biased_input":true,"initializer_range":0.2,"num_labels":3}
        """;

    /// <summary>A seeded random model of <paramref name="configJson"/>.</summary>
    public static SequenceClassificationModel Create(string configJson, int seed = 3)
    {
        TorchSharp.torch.manual_seed(seed);
        return SequenceClassificationModel.Create(EncoderConfig.Parse(configJson, "test config"), new SequenceClassificationModelOptions { Device = "cpu" });
    }

    /// <summary>Exports <paramref name="model"/> to <paramref name="folder"/>/model.onnx and returns the path.</summary>
    public static string Export(SequenceClassificationModel model, string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "model.onnx");
        model.ExportToOnnx(path);
        return path;
    }

    /// <summary>Rewrites the ONNX file at <paramref name="path"/> after <paramref name="edit"/> changes its model.</summary>
    public static void Edit(string path, Action<ModelProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        edit(model);
        File.WriteAllBytes(path, model.ToByteArray());
    }

    /// <summary>The initializer named <paramref name="name"/>.</summary>
    public static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(t => t.Name == name);

    /// <summary>Moves every initializer of more than 256 bytes into <paramref name="dataFile"/> beside the model (ONNX external data).</summary>
    public static void MoveToExternalData(string path, string dataFile)
    {
        Edit(path, model =>
        {
            using var data = File.Create(Path.Combine(Path.GetDirectoryName(path)!, dataFile));
            foreach (var tensor in model.Graph.Initializer.Where(t => t.RawData.Length > 256))
            {
                long offset = data.Position;
                tensor.RawData.WriteTo(data);
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataFile });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.RawData = ByteString.Empty;
                while (data.Position % 64 != 0) data.WriteByte(0);
            }
        });
    }
}
