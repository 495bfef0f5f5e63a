namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>The knobs of a masked-LM pretraining run.</summary>
/// <param name="Steps">The most optimiser steps.</param>
/// <param name="BatchSize">Blocks per step.</param>
/// <param name="PeakLearningRate">AdamW's learning rate after warm-up.</param>
/// <param name="WarmupFraction">Share of <paramref name="Steps"/> spent warming up.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay (not applied to biases and LayerNorm weights).</param>
/// <param name="Seed">Seed of the block order and the masking.</param>
/// <param name="LogEvery">Steps between training-loss lines.</param>
/// <param name="EvalEvery">Steps between held-out evaluations (the last step is always evaluated).</param>
/// <param name="EvalBlocks">Held-out blocks per evaluation (fixed masks, so evaluations compare).</param>
/// <param name="TimeBudget">Wall-clock limit of the training loop (null: none); the run ends at whichever limit comes first.</param>
public sealed record PretrainingSettings(
    int Steps, int BatchSize, double PeakLearningRate, double WarmupFraction, double WeightDecay, int Seed, int LogEvery, int EvalEvery, int EvalBlocks,
    TimeSpan? TimeBudget)
{
    /// <summary>The share of the run done after <paramref name="step"/> steps and <paramref name="elapsed"/> time: the
    /// larger of the step share and the time share, so the schedule ends where the run does however fast the machine is.</summary>
    /// <param name="step">Steps done.</param>
    /// <param name="elapsed">Time spent.</param>
    public double Progress(int step, TimeSpan elapsed) => Math.Max((double)step / Steps, TimeBudget is { } limit ? elapsed / limit : 0);
}

/// <summary>One point of the loss curve.</summary>
/// <param name="Step">The optimiser step.</param>
/// <param name="TrainLoss">Mean masked-LM loss of the training steps since the previous point.</param>
/// <param name="HeldOutLoss">Masked-LM loss on the held-out blocks.</param>
/// <param name="HeldOutAccuracy">Share of held-out masked tokens predicted exactly.</param>
/// <param name="LearningRate">The learning rate of this step.</param>
/// <param name="Seconds">Wall-clock seconds since training began.</param>
public sealed record LossPoint(int Step, double TrainLoss, double HeldOutLoss, double HeldOutAccuracy, double LearningRate, double Seconds);
