using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Tests.Adapters;

/// <summary>
/// A BERT-shaped encoder stack with random weights: numbered blocks of six linears (query, key, value, attention
/// output, feed-forward in and out), hidden size d and feed-forward size 4d, used to count trainable parameters.
/// </summary>
internal sealed class BertShapedStack : Module<Tensor, Tensor>
{
    private readonly ModuleList<BertShapedBlock> layer;

    public BertShapedStack(int blocks, int hidden, int intermediate) : base(nameof(BertShapedStack))
    {
        layer = new ModuleList<BertShapedBlock>(Enumerable.Range(0, blocks).Select(_ => new BertShapedBlock(hidden, intermediate)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => layer.Aggregate(input, (x, block) => block.call(x));

    /// <summary>(d_in, d_out) of the six linears of one block.</summary>
    public static (int In, int Out)[] LinearShapes(int hidden, int intermediate) =>
        [(hidden, hidden), (hidden, hidden), (hidden, hidden), (hidden, hidden), (hidden, intermediate), (intermediate, hidden)];
}

internal sealed class BertShapedBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> query, key, value, attention_output, intermediate, output;

    public BertShapedBlock(int hidden, int inner) : base(nameof(BertShapedBlock))
    {
        (query, key, value, attention_output) = (Linear(hidden, hidden), Linear(hidden, hidden), Linear(hidden, hidden), Linear(hidden, hidden));
        (intermediate, output) = (Linear(hidden, inner), Linear(inner, hidden));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var attended = attention_output.call(query.call(input) + key.call(input) + value.call(input));
        return output.call(functional.gelu(intermediate.call(attended)));
    }
}
