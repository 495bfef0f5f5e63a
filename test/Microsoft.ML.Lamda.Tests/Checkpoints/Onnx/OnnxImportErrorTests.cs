using Google.Protobuf;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Microsoft.ML.Lamda.Tests.Checkpoints.Onnx;

/// <summary>Damaged or foreign ONNX files give a <see cref="CheckpointFormatException"/> naming the file, the initializer or node, and what was expected.</summary>
public sealed class OnnxImportErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-onnx-errors-").FullName;
    private readonly string _path;

    public OnnxImportErrorTests()
    {
        using var model = ExportedOnnx.Create(ExportedOnnx.Bert);
        _path = ExportedOnnx.Export(model, _directory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private CheckpointFormatException Import()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => SequenceClassificationModel.FromPretrained(_path, new SequenceClassificationModelOptions { Device = "cpu" }).Dispose());
        Assert.Contains(_directory, error.Message);
        return error;
    }

    [Fact]
    public void A_truncated_file_is_refused()
    {
        var bytes = File.ReadAllBytes(_path);
        File.WriteAllBytes(_path, bytes[..(bytes.Length / 2)]);
        Assert.Contains("not a valid ONNX model", Import().Message);
    }

    [Fact]
    public void A_graph_that_is_not_an_encoder_is_refused()
    {
        ExportedOnnx.Edit(_path, model =>
        {
            model.Graph.Node.Clear();
            model.Graph.Initializer.Clear();
            model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = "only", Input = { "input_ids" }, Output = { "logits" } });
        });
        Assert.Contains("not a recognisable BERT-family encoder", Import().Message);
    }

    [Fact]
    public void A_missing_weight_is_named()
    {
        ExportedOnnx.Edit(_path, model => model.Graph.Initializer.Remove(ExportedOnnx.Initializer(model, "bert.encoder.layer.1.output.LayerNorm.weight")));
        Assert.Contains("'bert.encoder.layer.1.output.LayerNorm.weight'", Import().Message);
    }

    [Fact]
    public void A_shape_that_contradicts_the_inferred_configuration_is_named()
    {
        ExportedOnnx.Edit(_path, model =>
        {
            var bias = ExportedOnnx.Initializer(model, "bert.encoder.layer.1.intermediate.dense.bias");
            bias.Dims[0] = 50;
            bias.RawData = ByteString.CopyFrom(new byte[50 * 4]);
        });
        var message = Import().Message;
        Assert.Contains("'bert.encoder.layer.1.intermediate.dense.bias' has shape [50]", message);
        Assert.Contains("[48]", message);
    }

    [Fact]
    public void An_unsupported_data_type_is_named()
    {
        ExportedOnnx.Edit(_path, model =>
        {
            var table = ExportedOnnx.Initializer(model, "bert.embeddings.LayerNorm.weight");
            table.DataType = (int)DataType.Int8;
            table.RawData = ByteString.CopyFrom(new byte[32]);
        });
        var message = Import().Message;
        Assert.Contains("'bert.embeddings.LayerNorm.weight' has data type int8", message);
    }

    [Fact]
    public void Raw_data_shorter_than_the_shape_is_refused()
    {
        ExportedOnnx.Edit(_path, model =>
        {
            var table = ExportedOnnx.Initializer(model, "bert.embeddings.word_embeddings.weight");
            table.RawData = ByteString.CopyFrom(table.RawData.Span[..100]);
        });
        Assert.Contains("'bert.embeddings.word_embeddings.weight' holds 100 bytes of raw data", Import().Message);
    }

    [Fact]
    public void An_anonymous_matmul_weight_without_a_named_bias_is_refused()
    {
        ExportedOnnx.Edit(_path, model =>
        {
            foreach (var node in model.Graph.Node.Where(n => n.Input.Contains("bert.encoder.layer.0.attention.self.key.bias")))
                node.Input[node.Input.IndexOf("bert.encoder.layer.0.attention.self.key.bias")] = "bias_0";
            ExportedOnnx.Initializer(model, "bert.encoder.layer.0.attention.self.key.bias").Name = "bias_0";
            ExportedOnnx.Initializer(model, "bert.encoder.layer.0.attention.self.key.weight").Name = "onnx::MatMul_7";
            foreach (var node in model.Graph.Node.Where(n => n.Input.Contains("bert.encoder.layer.0.attention.self.key.weight")))
                node.Input[node.Input.IndexOf("bert.encoder.layer.0.attention.self.key.weight")] = "onnx::MatMul_7";
        });
        var message = Import().Message;
        Assert.Contains("MatMul node", message);
        Assert.Contains("'onnx::MatMul_7'", message);
    }

    [Theory]
    [InlineData("../outside.bin", "not inside the model's folder")]
    [InlineData("weights.bin", "truncated")]
    public void External_data_outside_the_folder_or_past_the_end_is_refused(string location, string expected)
    {
        ExportedOnnx.MoveToExternalData(_path, "weights.bin");
        var length = new FileInfo(Path.Combine(_directory, "weights.bin")).Length;
        ExportedOnnx.Edit(_path, model =>
        {
            var table = ExportedOnnx.Initializer(model, "bert.embeddings.word_embeddings.weight");
            table.ExternalData.Single(entry => entry.Key == "location").Value = location;
            table.ExternalData.Single(entry => entry.Key == "offset").Value = (length - 64).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        var message = Import().Message;
        Assert.Contains("bert.embeddings.word_embeddings.weight", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void A_file_of_two_gigabytes_is_refused_before_parsing()
    {
        using (var file = File.OpenWrite(_path))
            file.SetLength(int.MaxValue);   // sparse: nothing is written
        Assert.Contains("under 2 GB", Import().Message);
    }
}
