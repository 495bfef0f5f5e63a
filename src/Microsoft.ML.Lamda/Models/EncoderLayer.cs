using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>
/// One post-LayerNorm transformer block as BERT, RoBERTa and DeBERTa-v2 define it:
/// <c>attention.self</c>, <c>attention.output</c>, <c>intermediate</c>, <c>output</c>.
/// </summary>
internal sealed class EncoderLayer : nn.Module
{
    private readonly AttentionBlock attention;
    private readonly Intermediate intermediate;
    private readonly DenseResidualNorm output;

    public EncoderLayer(nn.Module selfAttention, EncoderConfig config) : base(nameof(EncoderLayer))
    {
        attention = new AttentionBlock(selfAttention, config);
        intermediate = new Intermediate(config);
        output = new DenseResidualNorm(config.IntermediateSize, config);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, AttentionInputs inputs)
    {
        using var attended = attention.forward(hidden, inputs);
        using var expanded = intermediate.forward(attended);
        return output.forward(expanded, attended);
    }
}

/// <summary><c>attention</c>: the self-attention followed by its output projection, dropout and residual LayerNorm.</summary>
internal sealed class AttentionBlock : nn.Module
{
    private readonly nn.Module self;
    private readonly DenseResidualNorm output;

    public AttentionBlock(nn.Module selfAttention, EncoderConfig config) : base(nameof(AttentionBlock))
    {
        self = selfAttention;
        output = new DenseResidualNorm(config.HiddenSize, config);
        RegisterComponents();
    }

    public Tensor forward(Tensor hidden, AttentionInputs inputs)
    {
        using var context = ((ISelfAttention)self).Attend(hidden, inputs);
        return output.forward(context, hidden);
    }
}

/// <summary><c>intermediate</c>: dense projection to the intermediate size and the hidden activation.</summary>
internal sealed class Intermediate : nn.Module<Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> dense;
    private readonly Func<Tensor, Tensor> _activation;

    public Intermediate(EncoderConfig config) : base(nameof(Intermediate))
    {
        dense = ModuleFactory.Linear(config.HiddenSize, config.IntermediateSize, config.InitializerRange);
        _activation = Activations.Resolve(config.HiddenAct, "hidden_act", "config");
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var projected = dense.forward(hidden);
        return _activation(projected);
    }
}

/// <summary><c>output</c> / <c>attention.output</c>: <c>LayerNorm(dropout(dense(x)) + residual)</c>.</summary>
internal sealed class DenseResidualNorm : nn.Module<Tensor, Tensor, Tensor>
{
    private nn.Module<Tensor, Tensor> dense;
    private readonly TorchSharp.Modules.LayerNorm LayerNorm;
    private readonly TorchSharp.Modules.Dropout dropout;

    public DenseResidualNorm(long inputSize, EncoderConfig config) : base(nameof(DenseResidualNorm))
    {
        dense = ModuleFactory.Linear(inputSize, config.HiddenSize, config.InitializerRange);
        LayerNorm = ModuleFactory.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var projected = dense.forward(hidden);
        using var dropped = dropout.forward(projected);
        using var sum = dropped.add(residual);
        return LayerNorm.forward(sum);
    }
}
