using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;
using Microsoft.ML.Lamda.Training;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda;

/// <summary>
/// One fit, shared by both trainers: loads the checkpoint and tokenizer, reads and tokenizes the data, wraps the
/// encoder with the chosen adapters (the task head trained in full), runs the training loop, merges the adapters
/// and returns the plain model ready for inference, with the training report.
/// </summary>
internal static class LamdaFitter
{
    /// <summary>Fits on <paramref name="input"/> (whose columns the trainer has checked) for <paramref name="objective"/>.</summary>
    public static (TextScorer Scorer, LamdaTrainingReport Report) Fit(IHost host, LamdaTrainerOptions options, IDataView input, TrainingObjective objective)
    {
        var clock = Stopwatch.StartNew();
        using var channel = host.Start("LaMDA fine-tuning");
        void CheckCanceled()
        {
            host.CheckAlive();
            options.CancellationToken.ThrowIfCancellationRequested();
        }
        int seed = options.Seed ?? ((IHostEnvironmentInternal)host).Seed ?? 0;
        torch.manual_seed(seed);

        var modelPath = options.ModelPath ?? DefaultEncoder.Directory;
        if (options.ModelPath is null)
            channel.Info($"No checkpoint folder given: using the embedded {DefaultEncoder.Name} encoder ({modelPath}).");
        var tokenizer = PretrainedTokenizer.FromDirectory(OnnxEncoderImporter.FolderOf(modelPath), channel.Info);
        var tokenizerFiles = TextScorer.ReadTokenizerFiles(tokenizer);
        var examples = TrainingDataReader.Read(input, options, tokenizer, CheckCanceled, out long skipped);
        if (skipped > 0)
            channel.Warning($"Skipped {skipped} training row(s) whose label '{options.LabelColumnName}' is missing.");
        if (examples.Count == 0)
            throw new ArgumentException($"The training data has no rows with a label in column '{options.LabelColumnName}'" + (skipped > 0 ? $" ({skipped} row(s) had a missing label)." : "."), nameof(input));
        long validationSkipped = 0;
        var validation = options.ValidationSet is null ? null : TrainingDataReader.Read(options.ValidationSet, options, tokenizer, CheckCanceled, out validationSkipped);
        if (validationSkipped > 0)
        {
            if (objective is ClassificationObjective)
                throw new ArgumentException($"{validationSkipped} row(s) of the validation set have no label in column '{options.LabelColumnName}': missing, or a value the training data's key lacks. Key both with one MapValueToKey fitted on the training data, and drop rows without a label.", nameof(options.ValidationSet));
            channel.Warning($"Skipped {validationSkipped} validation row(s) whose label '{options.LabelColumnName}' is missing.");
        }

        var model = SequenceClassificationModel.FromPretrained(modelPath, new SequenceClassificationModelOptions
        {
            NumLabels = objective.OutputCount,
            Device = options.Device,
            DType = options.Precision == LamdaPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32,
            Log = channel.Info,
        });
        try
        {
            tokenizer.CheckFits(model.Config, modelPath);
            if (options.MaxSequenceLength > model.MaxSequenceLengthLimit)
                throw new ArgumentOutOfRangeException(nameof(options.MaxSequenceLength), options.MaxSequenceLength, $"{nameof(options.MaxSequenceLength)} {options.MaxSequenceLength} is longer than the encoder's {model.MaxSequenceLengthLimit} positions (max_position_embeddings {model.Config.MaxPositionEmbeddings} of '{OnnxEncoderImporter.OnnxFileOf(modelPath) ?? Path.Combine(modelPath, "config.json")}'); choose at most {model.MaxSequenceLengthLimit}.");
            int hiddenSize = model.Config.HiddenSize;
            if (options.Method != AdapterMethod.FullFineTuning && options.Rank > hiddenSize)
                throw new ArgumentOutOfRangeException(nameof(options.Rank), options.Rank, $"{nameof(options.Rank)} {options.Rank} is larger than the encoder's hidden size {hiddenSize}; choose at most {hiddenSize}.");
            var adapted = AdapterInjector.Inject(model.Network, options.ToAdapterConfig(model.HeadModuleNames));
            var adapterReport = adapted.Report();
            channel.Info(adapterReport.ToString());
            var settings = options.ToTrainingSettings(hiddenSize);
            var setup = new FineTuningSetup(model, tokenizer, adapted, objective, settings, seed, model.Device,
                Fingerprint(options, adapted.Config, settings, modelPath, seed, examples.Count, objective.OutputCount), channel.Info, channel.Warning, CheckCanceled);
            channel.Info(string.Create(CultureInfo.InvariantCulture, $"Training {examples.Count} rows for at most {options.MaxEpochs} epoch(s), method {options.Method}, rank {options.Rank}, learning rate {settings.LearningRate:G3} (B ×{settings.PmbLearningRateMultiplier:G3}, head ×{settings.HeadLearningRateMultiplier:G3}{(settings.RelativeLamdaSteps && adapted.Config.Method is AdapterMethod.Lamda or AdapterMethod.LamdaPlusPlus ? ", relative LaMDA steps" : "")}), on {model.Device}."));
            FineTuningResult result;
            using (Tf32Scope.Enter(options.AllowTf32, model.Device))
                result = new FineTuningLoop(setup).Run(examples, validation);
            adapted.Merge();

            var report = new LamdaTrainingReport
            {
                Method = options.Method,
                TrainableParameters = adapterReport.TrainableParameters,
                TotalParameters = adapterReport.AllParameters,
                LayerRanks = adapterReport.Layers.ToDictionary(l => l.Name, l => l.Rank),
                AdapterSummary = adapterReport.ToString(),
                Epochs = result.Epochs,
                BestEpoch = result.BestEpoch,
                LearningRate = settings.LearningRate,
                Warnings = result.Warnings,
                SkippedRows = skipped,
                WallTime = clock.Elapsed,
                PeakMemoryBytes = PeakMemory.ReadPeakResidentBytes(),
                PeakGpuMemoryBytes = result.PeakGpuMemoryBytes,
            };
            return (new TextScorer(model, tokenizer, tokenizerFiles, options.MaxSequenceLength, options.BatchSize, objective is ClassificationObjective), report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The settings a checkpoint must share with a run to be resumed by it.</summary>
    private static string Fingerprint(LamdaTrainerOptions options, AdapterConfig adapter, TrainingSettings settings, string modelPath, int seed, int rows, int outputs) => string.Create(CultureInfo.InvariantCulture,
        $"model={Path.GetFullPath(modelPath)}; method={adapter.Method}; rank={adapter.Rank}; alpha={adapter.Alpha}; dropout={adapter.Dropout}; targets={string.Join(",", adapter.TargetModules ?? [])}; init={adapter.Initialization}; pmb={adapter.FreezePmb}/{adapter.FreezeStartFraction}-{adapter.FreezeFraction}/{adapter.FreezeSteps}/{adapter.FreezeCurve}/{adapter.FreezeOrder}; outputs={outputs}; rows={rows}; epochs={settings.MaxEpochs}; batch={settings.BatchSize}; accumulation={settings.GradientAccumulationSteps}; lr={settings.LearningRate}x{settings.PmbLearningRateMultiplier}x{settings.HeadLearningRateMultiplier}/{(settings.RelativeLamdaSteps ? "relative" : "plain")}; decay={settings.WeightDecay}/{settings.DecayTowardsInitialValues}; seed={seed}; maxLength={options.MaxSequenceLength}");
}
