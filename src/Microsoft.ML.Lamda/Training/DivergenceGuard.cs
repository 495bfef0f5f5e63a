using System.Globalization;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Watches the training loss so that a diverged run never passes silently: a non-finite loss or gradient norm stops
/// training with <see cref="TrainingDivergedException"/> (naming the step, the value and the learning rate), and a
/// run whose loss over its last batches is no lower than over its first batches gets a warning for the log and the
/// training report (the model may have collapsed to a constant prediction).
/// </summary>
internal sealed class DivergenceGuard(double baseLearningRate, int window)
{
    private readonly List<double> _first = [];
    private readonly Queue<double> _last = new();
    private long _seen;

    /// <summary>Records the loss of one batch taken before optimizer step <paramref name="step"/> (from 1).</summary>
    /// <exception cref="TrainingDivergedException">The loss is NaN or infinite.</exception>
    public void CheckLoss(double loss, long step, double learningRate)
    {
        if (!double.IsFinite(loss))
            throw new TrainingDivergedException(Message($"the training loss is {Format(loss)}", step, learningRate));
        _seen++;
        if (_first.Count < window) _first.Add(loss);
        _last.Enqueue(loss);
        if (_last.Count > window) _last.Dequeue();
    }

    /// <summary>Checks the global gradient norm of optimizer step <paramref name="step"/> (from 1) before it is taken.</summary>
    /// <exception cref="TrainingDivergedException">The norm is NaN or infinite.</exception>
    public void CheckGradientNorm(double norm, long step, double learningRate)
    {
        if (!double.IsFinite(norm))
            throw new TrainingDivergedException(Message($"the gradient norm is {Format(norm)}", step, learningRate));
    }

    /// <summary>A warning when the loss over the last batches is not below the loss over the first ones; else null.</summary>
    public string? Conclude()
    {
        // Runs shorter than two windows have nothing to compare.
        if (_seen < 2L * window) return null;
        double start = _first.Average(), end = _last.Average();
        if (end < start) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"The training loss ended at {end:G4} (mean of the last {window} batches), not below where it began ({start:G4}, first {window} batches): training did not converge and the model may predict a constant. Try a lower LearningRate than {baseLearningRate:G3}.");
    }

    private string Message(string what, long step, double learningRate) => string.Create(CultureInfo.InvariantCulture,
        $"Training diverged at optimizer step {step}: {what} (learning rate {learningRate:G3} at that step, base LearningRate {baseLearningRate:G3}). Lower the LearningRate (for example to {baseLearningRate / 4:G3}) or the group multipliers.");

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
