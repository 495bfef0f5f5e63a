using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>
/// Masked-language-model pretraining of the encoder of a <see cref="SequenceClassificationModel"/> (its task head
/// is not trained) with <see cref="MaskedLanguageModelHead"/>: the library's AdamW (betas 0.9/0.98, eps 1e-6) and
/// parameter groups (no decay for biases and LayerNorm weights), its linear warm-up and decay schedule over the run's
/// progress (<see cref="PretrainingSettings.Progress"/>), gradient clipping at norm 1.
/// </summary>
public sealed class Pretrainer
{
    /// <summary>The parameter-name prefix of the encoder inside the model.</summary>
    public const string EncoderPrefix = "deberta.";

    private const string WordEmbeddingsKey = "deberta.embeddings.word_embeddings.weight";

    private readonly SequenceClassificationModel _model;
    private readonly MaskedLanguageModelHead _head;
    private readonly TokenBlocks _blocks;
    private readonly MaskingVocabulary _vocabulary;
    private readonly PretrainingSettings _settings;
    private readonly Action<string> _log;

    /// <summary>Prepares a run; nothing is trained until <see cref="Run"/>.</summary>
    /// <param name="model">The encoder (DeBERTa-v2/v3), on the CPU or a GPU.</param>
    /// <param name="head">The masked-LM head, on the model's device.</param>
    /// <param name="blocks">The packed corpus.</param>
    /// <param name="vocabulary">The special and mask ids and the vocabulary size.</param>
    /// <param name="settings">Steps, batch size, learning rate and logging.</param>
    /// <param name="log">Receives progress lines.</param>
    public Pretrainer(SequenceClassificationModel model, MaskedLanguageModelHead head, TokenBlocks blocks, MaskingVocabulary vocabulary, PretrainingSettings settings, Action<string> log)
    {
        _model = model;
        _head = head;
        _blocks = blocks;
        _vocabulary = vocabulary;
        _settings = settings;
        _log = log;
    }

    /// <summary>Trains until <see cref="PretrainingSettings.Steps"/> steps or the <see cref="PretrainingSettings.TimeBudget"/> are spent.</summary>
    /// <param name="checkpoint">Called after each evaluation with the curve so far (e.g. to save the model).</param>
    /// <returns>The loss curve, one point per evaluation.</returns>
    public IReadOnlyList<LossPoint> Run(Action<IReadOnlyList<LossPoint>>? checkpoint = null)
    {
        var encoder = _model.Network.named_parameters().Where(p => p.name.StartsWith(EncoderPrefix, StringComparison.Ordinal)).ToArray();
        var trained = encoder.Select(p => (p.name, p.parameter)).Concat(_head.named_parameters().Select(p => ("head." + p.name, p.parameter))).ToArray();
        using var optimizer = new AdamW(AdamWParameterGroup.SplitByWeightDecay(trained, _settings.PeakLearningRate, _settings.WeightDecay),
            beta1: 0.9, beta2: 0.98, epsilon: 1e-6);
        var wordEmbeddings = encoder.Single(p => p.name == WordEmbeddingsKey).parameter;

        var random = new Random(_settings.Seed);
        var order = Enumerable.Range(0, _blocks.Train.Count).ToArray();
        random.Shuffle(order);
        var next = 0;
        var curve = new List<LossPoint>();
        var clock = Stopwatch.StartNew();
        double intervalLoss = 0;
        var intervalSteps = 0;
        double pointLoss = 0;
        var pointSteps = 0;
        _model.Train(true);
        _head.train();
        var last = false;
        for (var step = 1; !last; step++)
        {
            using var scope = torch.NewDisposeScope();
            var rows = new int[_settings.BatchSize][];
            for (var i = 0; i < rows.Length; i++)
            {
                if (next == order.Length)
                {
                    random.Shuffle(order);
                    next = 0;
                }

                rows[i] = _blocks.Train[order[next++]];
            }

            using var batch = _vocabulary.Mask(rows, random, _model.Device);
            var loss = Loss(batch, wordEmbeddings, out _);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.ClipGradientNorm(1.0).Dispose();
            var multiplier = LinearWarmupDecaySchedule.MultiplierAt(_settings.Progress(step, clock.Elapsed), _settings.WarmupFraction);
            var learningRate = _settings.PeakLearningRate * multiplier;
            optimizer.Step(multiplier);
            var value = loss.item<float>();
            if (!float.IsFinite(value))
            {
                throw new InvalidOperationException($"The masked-LM loss became {value} at step {step} (learning rate {learningRate}); lower --lr.");
            }

            intervalLoss += value;
            intervalSteps++;
            pointLoss += value;
            pointSteps++;
            if (step % _settings.LogEvery == 0)
            {
                _log(string.Create(CultureInfo.InvariantCulture,
                    $"step {step} loss {intervalLoss / intervalSteps:F4} lr {learningRate:E2} {clock.Elapsed.TotalSeconds / step:F2} s/step elapsed {clock.Elapsed:hh\\:mm\\:ss}"));
                intervalLoss = 0;
                intervalSteps = 0;
            }

            last = _settings.Progress(step, clock.Elapsed) >= 1;
            if (step % _settings.EvalEvery == 0 || last)
            {
                var (heldOutLoss, accuracy) = Evaluate(wordEmbeddings);
                curve.Add(new LossPoint(step, pointLoss / pointSteps, heldOutLoss, accuracy, learningRate, clock.Elapsed.TotalSeconds));
                pointLoss = 0;
                pointSteps = 0;
                _log(string.Create(CultureInfo.InvariantCulture, $"step {step}: held-out loss {heldOutLoss:F4}, masked-token accuracy {accuracy:P1}"));
                checkpoint?.Invoke(curve);
            }
        }

        _model.Train(false);
        _head.eval();
        return curve;
    }

    private Tensor Loss(MaskedBatch batch, Tensor wordEmbeddings, out Tensor logits)
    {
        var hidden = _model.Encode(batch.InputIds, batch.AttentionMask);
        var predicted = hidden.reshape(-1, hidden.shape[^1]).index_select(0, batch.Positions);
        logits = _head.forward(predicted, wordEmbeddings);
        return nn.functional.cross_entropy(logits, batch.Targets);
    }

    private (double Loss, double Accuracy) Evaluate(Tensor wordEmbeddings)
    {
        _model.Train(false);
        _head.eval();
        using var noGrad = torch.no_grad();
        var random = new Random(_settings.Seed + 1);
        var blocks = _blocks.HeldOut.Take(_settings.EvalBlocks).ToArray();
        double lossSum = 0, correct = 0, count = 0;
        foreach (var chunk in blocks.Chunk(_settings.BatchSize))
        {
            using var scope = torch.NewDisposeScope();
            using var batch = _vocabulary.Mask(chunk, random, _model.Device);
            var loss = Loss(batch, wordEmbeddings, out var logits);
            var n = batch.Targets.shape[0];
            lossSum += loss.item<float>() * n;
            correct += logits.argmax(1).eq(batch.Targets).sum().item<long>();
            count += n;
        }

        _model.Train(true);
        _head.train();
        return count == 0 ? (double.NaN, double.NaN) : (lossSum / count, correct / count);
    }
}
