using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>Builds the plain <see cref="TorchSharp.Modules.Linear"/> an adapter layer folds into.</summary>
internal static class MergedLinear
{
    /// <summary>A Linear owning <paramref name="weight"/> and a copy of <paramref name="bias"/>, both frozen like the pretrained layer they replace.</summary>
    public static Linear Create(Tensor weight, Parameter? bias)
    {
        using var noGrad = torch.no_grad();
        var mergedWeight = new Parameter(weight.contiguous().DetachFromDisposeScope(), requires_grad: false);
        var mergedBias = bias is null ? null : new Parameter(bias.detach().clone().DetachFromDisposeScope(), requires_grad: false);
        return nn.Linear(mergedWeight, mergedBias);
    }
}
