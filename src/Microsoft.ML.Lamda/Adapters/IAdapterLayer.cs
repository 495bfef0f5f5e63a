using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>A module that wraps a pretrained <see cref="TorchSharp.Modules.Linear"/> with an adaptation path and can be folded back into one.</summary>
public interface IAdapterLayer
{
    /// <summary>d_in of the wrapped layer.</summary>
    long InFeatures { get; }

    /// <summary>d_out of the wrapped layer.</summary>
    long OutFeatures { get; }

    /// <summary>The adapter rank r of this layer.</summary>
    int Rank { get; }

    /// <summary>The scale α/r of the adaptation path.</summary>
    double Scaling { get; }

    /// <summary>Local names of the parameters that training changes (the adapter's trainable tensors).</summary>
    IReadOnlyList<string> StatefulParameterNames { get; }

    /// <summary>The number of parameter values that the optimizer updates now.</summary>
    long TrainableParameterCount { get; }

    /// <summary>A plain linear layer computing the same function (float32 arithmetic, stored in the weight's dtype).</summary>
    Linear Merge();
}
