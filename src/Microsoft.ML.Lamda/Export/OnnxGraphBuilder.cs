using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Microsoft.ML.Lamda.Export;

/// <summary>
/// Builds one ONNX graph (default domain, opset <see cref="Opset"/>) node by node: graph inputs and outputs with
/// symbolic dimensions, weights as initializers (float32, or float16 followed by a Cast to float32), small integer
/// and float constants, and nodes whose outputs get unique names.
/// </summary>
internal sealed class OnnxGraphBuilder(bool float16Weights)
{
    /// <summary>The ONNX operator set the graphs are written in.</summary>
    public const int Opset = 17;

    private readonly GraphProto _graph = new() { Name = "lamda" };
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Adds a graph input; a dimension is a symbolic name (string) or a fixed size (long).</summary>
    public string Input(string name, DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        _names.Add(name);
        return name;
    }

    /// <summary>Declares <paramref name="name"/> (a node output already in the graph) a graph output.</summary>
    public void Output(string name, DataType type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>A float weight (any dtype, any device) as an initializer; float32 in the graph either way.</summary>
    public string Weight(string name, Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var stored = tensor.detach().to(float16Weights ? ScalarType.Float16 : ScalarType.Float32).cpu().contiguous();
        var initializer = Unique(name);
        _graph.Initializer.Add(new TensorProto
        {
            Name = initializer,
            DataType = (int)(float16Weights ? DataType.Float16 : DataType.Float),
            Dims = { stored.shape },
            RawData = ByteString.CopyFrom(stored.bytes),
        });
        return float16Weights ? Node("Cast", [initializer], ("to", (long)DataType.Float)) : initializer;
    }

    /// <summary>A constant int64 vector.</summary>
    public string Int64s(params long[] values) => Constant(DataType.Int64, [values.Length], values.SelectMany(BitConverter.GetBytes).ToArray());

    /// <summary>A constant int64 scalar.</summary>
    public string Int64(long value) => Constant(DataType.Int64, [], BitConverter.GetBytes(value));

    /// <summary>A constant float32 scalar.</summary>
    public string Float(float value) => Constant(DataType.Float, [], BitConverter.GetBytes(value));

    /// <summary>
    /// Adds a node of operator <paramref name="op"/> and returns the fresh name of its (single) output.
    /// Attribute values: long, float, long[] or string.
    /// </summary>
    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes) => NodeNamed(op, inputs, null, attributes);

    /// <summary>As <see cref="Node"/>, with the output named <paramref name="output"/>.</summary>
    public string NodeNamed(string op, string[] inputs, string? output, params (string Name, object Value)[] attributes)
    {
        var name = output ?? Unique(op);
        _names.Add(name);
        var node = new NodeProto { OpType = op, Name = $"{op}_{_counter++}", Input = { inputs }, Output = { name } };
        foreach (var (key, value) in attributes)
            node.Attribute.Add(Attribute(key, value));
        _graph.Node.Add(node);
        return name;
    }

    /// <summary>The model: this graph, the opset import, and <paramref name="metadata"/> as metadata properties.</summary>
    public ModelProto Build(string docString, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Microsoft.ML.Lamda",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "",
            DocString = docString,
            Graph = _graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
        };
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    private string Constant(DataType type, long[] dims, byte[] bytes)
    {
        var key = $"{type}:{string.Join(",", dims)}:{Convert.ToHexString(bytes)}";
        if (_constants.TryGetValue(key, out var existing))
            return existing;
        var name = Unique("const");
        _graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)type, Dims = { dims }, RawData = ByteString.CopyFrom(bytes) });
        _constants[key] = name;
        return name;
    }

    private string Unique(string stem)
    {
        var name = stem;
        while (!_names.Add(name))
            name = $"{stem}_{_counter++}";
        return name;
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"Dimension {dim} of '{name}' must be a name or a size.", nameof(dims)),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        double d => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)d },
        long[] ints => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        _ => throw new ArgumentException($"Attribute '{name}' has a value of type {value.GetType().Name}, which the builder does not write.", nameof(value)),
    };
}
