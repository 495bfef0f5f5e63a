using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Tests.Adapters;

/// <summary>A small encoder-shaped module tree: numbered blocks in a ModuleList, Linear fields typed Module, a LayerNorm and a head.</summary>
internal sealed class TinyEncoder : Module<Tensor, Tensor>
{
    private readonly ModuleList<TinyBlock> layer;
    private readonly Module<Tensor, Tensor> classifier;

    public TinyEncoder(int blocks, int hidden, int inner, int labels) : base(nameof(TinyEncoder))
    {
        layer = new ModuleList<TinyBlock>(Enumerable.Range(0, blocks).Select(_ => new TinyBlock(hidden, inner)).ToArray());
        classifier = Linear(hidden, labels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var hidden = input;
        foreach (var block in layer) hidden = block.call(hidden);
        return classifier.call(hidden);
    }
}

/// <summary>One block: query/value projections in fields, a feed-forward pair inside a ModuleList, a LayerNorm.</summary>
internal sealed class TinyBlock : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> query;
    private readonly Module<Tensor, Tensor> value;
    private readonly ModuleList<Module<Tensor, Tensor>> ffn;
    private readonly LayerNorm LayerNorm;

    public TinyBlock(int hidden, int inner) : base(nameof(TinyBlock))
    {
        query = Linear(hidden, hidden);
        value = Linear(hidden, hidden);
        ffn = new ModuleList<Module<Tensor, Tensor>>(Linear(hidden, inner), Linear(inner, hidden));
        LayerNorm = nn.LayerNorm(hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var attended = input + torch.tanh(query.call(input)) * value.call(input);
        var expanded = functional.gelu(ffn[0].call(attended));
        return LayerNorm.call(attended + ffn[1].call(expanded));
    }
}
