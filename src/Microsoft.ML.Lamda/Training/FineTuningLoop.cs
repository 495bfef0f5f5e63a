using System.Diagnostics;
using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Training;

/// <summary>What the loop needs from the run's setup: model, tokenizer, device, task and settings.</summary>
internal sealed record FineTuningSetup(
    SequenceClassificationModel Model,
    PretrainedTokenizer Tokenizer,
    AdaptedModel Adapted,
    TrainingObjective Objective,
    TrainingSettings Settings,
    int Seed,
    Device Device,
    string Fingerprint,
    Action<string> Log,
    Action<string> Warn,
    Action CheckCanceled);

/// <summary>Per-epoch history, the epoch whose weights the model holds at the end, and warnings about the run.</summary>
internal sealed record FineTuningResult(IReadOnlyList<LamdaEpochSummary> Epochs, int BestEpoch, IReadOnlyList<string> Warnings)
{
    /// <summary>Largest GPU memory in use sampled at the reports (NVML), on CUDA; null elsewhere.</summary>
    public long? PeakGpuMemoryBytes { get; init; }
}

/// <summary>
/// The training loop: epochs of length-bucketed batches shuffled with the seed, AdamW with the adapted model's
/// parameter groups (per-group rates; no decay for biases and LayerNorms; only B's unfrozen columns for LaMDA) and a
/// linear warm-up and decay schedule, PMB freezing before each step, gradient accumulation and clipping, validation
/// after each epoch keeping the best weights, early stopping, cancellation between steps, checkpoints after each epoch
/// and resume from them, progress, and the divergence guard (<see cref="DivergenceGuard"/>).
/// </summary>
internal sealed class FineTuningLoop(FineTuningSetup setup)
{
    private const int ProgressEverySteps = 10;

    /// <summary>Trains on <paramref name="examples"/>; leaves the best epoch's weights in the model.</summary>
    public FineTuningResult Run(IReadOnlyList<TrainingExample> examples, IReadOnlyList<TrainingExample>? validation)
    {
        var settings = setup.Settings;
        var lengths = examples.Select(e => e.Tokens.Length).ToArray();
        int batchesPerEpoch = (examples.Count + settings.BatchSize - 1) / settings.BatchSize;
        int stepsPerEpoch = (batchesPerEpoch + settings.GradientAccumulationSteps - 1) / settings.GradientAccumulationSteps;
        int totalSteps = stepsPerEpoch * settings.MaxEpochs;
        var schedule = new LinearWarmupDecaySchedule((int)Math.Round(totalSteps * settings.WarmupFraction), totalSteps);

        var stateful = setup.Adapted.StatefulParameters().Select(p => (p.Name, Tensor: (Tensor)p.Parameter)).ToList();
        var groups = setup.Adapted.ParameterGroups(new ParameterGroupSettings(settings.LearningRate, settings.WeightDecay)
        {
            PmbLearningRateMultiplier = settings.PmbLearningRateMultiplier,
            HeadLearningRateMultiplier = settings.HeadLearningRateMultiplier,
            DecayTowardsInitialValues = settings.DecayTowardsInitialValues,
            RelativeLamdaSteps = settings.RelativeLamdaSteps,
        });
        var guard = new DivergenceGuard(settings.LearningRate, Math.Max(1, Math.Min(10, batchesPerEpoch / 4)));
        using var optimizer = new AdamW(groups, columns: setup.Adapted);
        var best = stateful.Select(s => (s.Name, Tensor: s.Tensor.detach().clone())).ToList();
        try
        {
            var state = new TrainingProgressState { Fingerprint = setup.Fingerprint };
            var store = settings.CheckpointDirectory is null ? null : new TrainingCheckpointStore(settings.CheckpointDirectory, setup.Log);
            store?.EnsureFolder();
            if (store?.TryLoadLatestState(out var checkpointPath) is { } saved)
            {
                if (saved.Fingerprint != setup.Fingerprint)
                    throw new InvalidOperationException($"CheckpointDirectory '{settings.CheckpointDirectory}' holds a checkpoint of a run with other settings or data ({saved.Fingerprint}); this run is ({setup.Fingerprint}). Use an empty folder, or the same settings and data.");
                // Columns of B frozen by the last step taken, so that the optimizer state fits them.
                if (saved.Step > 0) setup.Adapted.Step((int)saved.Step - 1, totalSteps);
                TrainingCheckpointStore.LoadTensors(checkpointPath!, stateful.ToDictionary(s => s.Name, s => s.Tensor),
                    best.ToDictionary(s => s.Name, s => s.Tensor), optimizer.LoadState);
                state = saved;
                setup.Log($"Resuming from '{checkpointPath}' after epoch {state.CompletedEpochs} (step {state.Step}).");
            }

            var clock = Stopwatch.StartNew();
            long rowsThisRun = 0, stepsThisRun = 0;
            var trainingStep = new TrainingStep(setup.Model, setup.Tokenizer, setup.Objective, setup.Adapted, optimizer, setup.Device,
                settings.GradientAccumulationSteps, settings.MaxGradientNorm);
            var gpuMemory = new GpuMemorySampler(setup.Device);
            using var losses = new PendingReadings();
            using var norms = new PendingReadings();
            for (int epoch = state.CompletedEpochs; epoch < settings.MaxEpochs; epoch++)
            {
                // Dropout draws depend on the epoch only, so a resumed run repeats an uninterrupted one exactly.
                torch.manual_seed(LengthBucketedBatcher.SeedOf(setup.Seed, epoch) ^ 0x5eed);
                setup.Model.Train(true);
                var batches = LengthBucketedBatcher.EpochBatches(lengths, settings.BatchSize, setup.Seed, epoch);
                double lossSum = 0;
                int lossCount = 0;
                double learningRate = 0;
                // Losses and gradient norms stay on the device until a report needs them: then all are read at once,
                // and the divergence guard sees each with the step it belongs to.
                void ReadPending()
                {
                    gpuMemory.Sample();
                    foreach (var (loss, step, rate) in losses.Read())
                    {
                        guard.CheckLoss(loss, step, rate);
                        lossSum += loss;
                        lossCount++;
                    }
                    foreach (var (norm, step, rate) in norms.Read())
                        guard.CheckGradientNorm(norm, step, rate);
                }
                for (int b = 0; b < batches.Count; b++)
                {
                    setup.CheckCanceled();
                    losses.Add(trainingStep.Accumulate(batches[b].Select(i => examples[i]).ToArray()),
                        state.Step + 1, settings.LearningRate * schedule.Multiplier((int)state.Step));
                    rowsThisRun += batches[b].Length;
                    bool lastOfEpoch = b == batches.Count - 1;
                    if ((b + 1) % settings.GradientAccumulationSteps != 0 && !lastOfEpoch)
                        continue;

                    double multiplier = schedule.Multiplier((int)state.Step);
                    learningRate = settings.LearningRate * multiplier;
                    norms.Add(trainingStep.Update((int)state.Step, totalSteps, multiplier), state.Step + 1, learningRate);
                    state.Step++;
                    stepsThisRun++;
                    if (state.Step % ProgressEverySteps == 0 && !lastOfEpoch)
                    {
                        ReadPending();
                        Report(Progress(epoch, state.Step, totalSteps, lossSum / lossCount, learningRate, rowsThisRun, stepsThisRun, clock.Elapsed, null));
                    }
                }
                ReadPending();

                var record = new EpochRecord { Epoch = epoch + 1, Loss = lossCount == 0 ? double.NaN : lossSum / lossCount };
                ValidationResult? metrics = validation is null ? null : Evaluate(validation);
                if (metrics is not null)
                    foreach (var (name, value) in metrics.All) record.Metrics[name] = value;
                state.History.Add(record);
                state.CompletedEpochs = epoch + 1;
                UpdateBest(state, metrics, stateful, best);
                Report(Progress(epoch, state.Step, totalSteps, record.Loss, learningRate, rowsThisRun, stepsThisRun, clock.Elapsed, metrics, isEpochEnd: true));

                bool stopEarly = settings.EarlyStoppingPatience is int patience && state.EpochsWithoutImprovement >= patience;
                if (stopEarly) state.CompletedEpochs = settings.MaxEpochs;
                store?.Save(state, stateful, best, optimizer.SaveState);
                if (stopEarly)
                {
                    setup.Log($"Early stopping after epoch {epoch + 1}: no better validation {metrics!.PrimaryName} for {state.EpochsWithoutImprovement} epochs.");
                    break;
                }
            }

            CopyInto(best, stateful);
            setup.Model.Train(false);
            var epochs = state.History.Select(h => new LamdaEpochSummary(h.Epoch, h.Loss, h.Metrics)).ToArray();
            var warnings = guard.Conclude() is { } warning ? new[] { warning } : [];
            foreach (var w in warnings) setup.Warn(w);
            gpuMemory.Sample();
            return new FineTuningResult(epochs, state.BestEpoch, warnings) { PeakGpuMemoryBytes = gpuMemory.PeakBytes };
        }
        finally
        {
            foreach (var (_, tensor) in best) tensor.Dispose();
        }
    }

    /// <summary>Runs the model over <paramref name="examples"/> in eval mode and computes the task's metrics.</summary>
    public ValidationResult Evaluate(IReadOnlyList<TrainingExample> examples)
    {
        setup.Model.Train(false);
        var outputs = new List<float[]>(examples.Count);
        using (no_grad())
        {
            foreach (var batch in LengthBucketedBatcher.SequentialBatches(examples.Count, setup.Settings.BatchSize))
            {
                using var scope = NewDisposeScope();
                using var tokens = setup.Tokenizer.Collate(batch.Select(i => examples[i].Tokens).ToArray(), setup.Device);
                var logits = setup.Model.Forward(tokens).to_type(ScalarType.Float32).cpu();
                var values = logits.data<float>().ToArray();
                int width = (int)logits.shape[1];
                for (int r = 0; r < batch.Length; r++)
                    outputs.Add(values.AsSpan(r * width, width).ToArray());
            }
        }
        setup.Model.Train(true);
        return setup.Objective.Evaluate(outputs, examples.Select(e => e.Label).ToArray());
    }


    private static void UpdateBest(TrainingProgressState state, ValidationResult? metrics,
        IReadOnlyList<(string Name, Tensor Tensor)> stateful, List<(string Name, Tensor Tensor)> best)
    {
        // Without validation the last epoch is the best; a NaN metric (constant predictions) ranks lowest.
        double? metric = metrics is null ? null : double.IsNaN(metrics.Primary) ? double.NegativeInfinity : metrics.Primary;
        if (metric is null || state.BestMetric is null || metric > state.BestMetric)
        {
            state.BestMetric = metric;
            state.BestEpoch = state.CompletedEpochs;
            state.EpochsWithoutImprovement = 0;
            CopyInto(stateful, best);
        }
        else
        {
            state.EpochsWithoutImprovement++;
        }
    }

    private static void CopyInto(IReadOnlyList<(string Name, Tensor Tensor)> source, IReadOnlyList<(string Name, Tensor Tensor)> target)
    {
        using var _ = no_grad();
        for (int i = 0; i < source.Count; i++)
            target[i].Tensor.copy_(source[i].Tensor);
    }

    private LamdaTrainingProgress Progress(int epoch, long step, long totalSteps, double loss, double learningRate,
        long rowsThisRun, long stepsThisRun, TimeSpan elapsed, ValidationResult? metrics, bool isEpochEnd = false)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        double secondsPerStep = stepsThisRun == 0 ? 0 : seconds / stepsThisRun;
        return new LamdaTrainingProgress
        {
            Epoch = epoch + 1,
            TotalEpochs = setup.Settings.MaxEpochs,
            Step = step,
            TotalSteps = totalSteps,
            Loss = loss,
            LearningRate = learningRate,
            RowsPerSecond = rowsThisRun / seconds,
            EstimatedTimeRemaining = TimeSpan.FromSeconds(secondsPerStep * Math.Max(0, totalSteps - step)),
            IsEpochEnd = isEpochEnd,
            ValidationMetricName = metrics?.PrimaryName,
            ValidationMetric = metrics?.Primary,
        };
    }

    private void Report(LamdaTrainingProgress progress)
    {
        setup.Log(progress.ToString());
        setup.Settings.Progress?.Invoke(progress);
    }
}
