using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lamda.Tests.Export;

/// <summary>Runs an exported .onnx file with ONNX Runtime on int64 [batch, seq] inputs.</summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxRunner(string path) => _session = new InferenceSession(path);

    public IReadOnlyCollection<string> InputNames => _session.InputMetadata.Keys.ToArray();

    public IReadOnlyCollection<string> OutputNames => _session.OutputMetadata.Keys.ToArray();

    /// <summary>Every output as [batch, width]; token types are fed only when the graph has that input.</summary>
    public Dictionary<string, float[,]> Run(long[,] ids, long[,] mask, long[,]? types = null)
    {
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", ToTensor(ids)),
            NamedOnnxValue.CreateFromTensor("attention_mask", ToTensor(mask)),
        };
        if (_session.InputMetadata.ContainsKey("token_type_ids"))
            inputs.Add(NamedOnnxValue.CreateFromTensor("token_type_ids", ToTensor(types ?? new long[ids.GetLength(0), ids.GetLength(1)])));
        using var results = _session.Run(inputs);
        return results.ToDictionary(result => result.Name, result =>
        {
            var tensor = result.AsTensor<float>();
            var matrix = new float[tensor.Dimensions[0], tensor.Dimensions[1]];
            for (int i = 0; i < tensor.Dimensions[0]; i++)
                for (int j = 0; j < tensor.Dimensions[1]; j++)
                    matrix[i, j] = tensor[i, j];
            return matrix;
        });
    }

    public void Dispose() => _session.Dispose();

    private static DenseTensor<long> ToTensor(long[,] values)
    {
        var tensor = new DenseTensor<long>([values.GetLength(0), values.GetLength(1)]);
        for (int i = 0; i < values.GetLength(0); i++)
            for (int j = 0; j < values.GetLength(1); j++)
                tensor[i, j] = values[i, j];
        return tensor;
    }
}
