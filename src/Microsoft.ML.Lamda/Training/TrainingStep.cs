using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// The device work of training, without a single read back to the host: a micro-batch's forward and backward, and an
/// optimizer step (PMB freezing, clipping, AdamW). Losses and gradient norms come back as device scalars for the loop
/// to read in bulk when it reports (<see cref="PendingReadings"/>). On a GPU this keeps the queue of kernels full;
/// tests run it on the meta device, where any read back throws.
/// </summary>
internal sealed class TrainingStep(SequenceClassificationModel model, PretrainedTokenizer tokenizer, TrainingObjective objective,
    AdaptedModel adapted, AdamW optimizer, Device device, int accumulationSteps, double maxGradientNorm)
{
    /// <summary>Forward and backward of one micro-batch; returns its loss (a detached float32 scalar on the device).</summary>
    public Tensor Accumulate(IReadOnlyList<TrainingExample> rows)
    {
        using var scope = NewDisposeScope();
        using var tokens = tokenizer.Collate(rows.Select(r => r.Tokens).ToArray(), device);
        var labels = DeviceTransfer.ToDevice(torch.tensor(rows.Select(r => r.Label).ToArray()), device);
        var logits = model.Forward(tokens);
        var loss = objective.Loss(logits, labels);
        (loss / accumulationSteps).backward();
        return loss.detach().MoveToOuterDisposeScope();
    }

    /// <summary>Optimizer step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>; returns the gradient norm before clipping (a device scalar).</summary>
    public Tensor Update(int step, int totalSteps, double learningRateMultiplier)
    {
        adapted.Step(step, totalSteps);
        var norm = optimizer.ClipGradientNorm(maxGradientNorm);
        optimizer.Step(learningRateMultiplier);
        optimizer.ZeroGrad();
        return norm;
    }
}

/// <summary>
/// Device scalars waiting to be read (losses of micro-batches, gradient norms of steps), each with the optimizer step
/// and learning rate it belongs to: read all at once with one copy to the host.
/// </summary>
internal sealed class PendingReadings : IDisposable
{
    private readonly List<(Tensor Value, long Step, double LearningRate)> _items = [];

    /// <summary>How many values wait.</summary>
    public int Count => _items.Count;

    /// <summary>Adds <paramref name="value"/> (taken over: disposed when read).</summary>
    public void Add(Tensor value, long step, double learningRate) => _items.Add((value.DetachFromDisposeScope(), step, learningRate));

    /// <summary>Reads every waiting value with one host copy, in the order added, and forgets them.</summary>
    public IReadOnlyList<(double Value, long Step, double LearningRate)> Read()
    {
        if (_items.Count == 0) return [];
        double[] values;
        using (var scope = NewDisposeScope())
            values = torch.stack(_items.Select(i => i.Value.to(ScalarType.Float64)).ToArray()).cpu().data<double>().ToArray();
        var result = _items.Select((item, i) => (values[i], item.Step, item.LearningRate)).ToList();
        Dispose();
        return result;
    }

    /// <summary>Disposes the waiting values unread.</summary>
    public void Dispose()
    {
        foreach (var item in _items) item.Value.Dispose();
        _items.Clear();
    }
}
