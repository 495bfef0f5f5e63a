using System.Diagnostics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Study;

/// <summary>One row of <c>debian-sections.*.tsv</c>.</summary>
public sealed class SectionRow
{
    /// <summary>Archive section (the label).</summary>
    [LoadColumn(0)]
    public string Section { get; set; } = "";

    /// <summary>Package description.</summary>
    [LoadColumn(1)]
    public string Description { get; set; } = "";
}

/// <summary>Trains one setting with one seed on the section task and scores it on the plan's split.</summary>
/// <param name="dataDirectory">Folder of <c>debian-sections.{train,validation,test}.tsv</c>.</param>
/// <param name="modelPath">Encoder checkpoint folder; null: the embedded encoder.</param>
/// <param name="encoderName">The encoder's name in the results; null: the embedded encoder's name, or the folder's.</param>
public sealed class StudyRunner(string dataDirectory, string? modelPath, string? encoderName = null)
{
    /// <summary>The encoder's name in the results.</summary>
    public string EncoderName => encoderName ?? (modelPath is null ? Checkpoints.DefaultEncoder.Name : Path.GetFileName(Path.TrimEndingDirectorySeparator(modelPath)));

    /// <summary>Runs <paramref name="setting"/> with <paramref name="seed"/>; returns the finished run's result row.</summary>
    public StudyResult Run(StudyPlan plan, StudySetting setting, int seed, TextWriter log)
    {
        var mlContext = new MLContext(seed: seed);
        var train = Read(mlContext, "train", plan.TrainRows);
        var evaluated = Read(mlContext, plan.Split, plan.EvaluationRows);
        var clock = Stopwatch.StartNew();
        ITransformer model;
        double learningRate = double.NaN;
        int warnings = 0;
        if (setting.Classic)
        {
            model = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(SectionRow.Section))
                .Append(mlContext.Transforms.Text.FeaturizeText("Features", nameof(SectionRow.Description)))
                .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy())
                .Fit(train);
        }
        else
        {
            var keyMap = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(SectionRow.Section)).Fit(train);
            bool relativeSteps = setting.RelativeSteps ?? new LamdaTextClassificationTrainer.Options().RelativeLamdaSteps;
            // The base rate this run trains at: the setting's, or the library's default times the setting's factor.
            double rate = setting.LearningRate ?? (setting.LearningRateFactor ?? 1) * DefaultLearningRate(setting.Method, relativeSteps);
            var options = new LamdaTextClassificationTrainer.Options
            {
                ModelPath = modelPath,
                Sentence1ColumnName = nameof(SectionRow.Description),
                Method = setting.Method,
                LearningRate = setting.LearningRate is null && setting.LearningRateFactor is null ? null : rate,
                PmbLearningRateMultiplier = setting.PmbMultiplier,
                HeadLearningRateMultiplier = setting.HeadMultiplier
                    ?? (setting.HeadRateFactor is { } head ? head * DefaultLearningRate(AdapterMethod.Lora, relativeSteps: false) / rate : null),
                FreezeStartFraction = setting.FreezeStart,
                DecayTowardsInitialValues = setting.DecayTowardsInitialValues,
                RelativeLamdaSteps = relativeSteps,
                Initialization = setting.Initialization,
                MaxEpochs = plan.Epochs,
                BatchSize = 16,
                MaxSequenceLength = 64,
                Seed = seed,
                Device = "cpu",
            };
            if (setting.Rank is { } rank) options.Rank = rank;
            if (setting.FreezeFraction is { } ti) options.FreezeFraction = ti;
            var lamda = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(keyMap.Transform(train));
            learningRate = lamda.TrainingReport.LearningRate;
            warnings = lamda.TrainingReport.Warnings.Count;
            foreach (var w in lamda.TrainingReport.Warnings) log.WriteLine($"  warning: {w}");
            model = keyMap.Append(lamda);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(evaluated));
        return new StudyResult(plan.Name, setting.Name, seed, plan.TrainRows, plan.EvaluationRows, plan.Epochs, plan.Split, EncoderName,
            metrics.MicroAccuracy, metrics.MacroAccuracy, seconds, learningRate, warnings, setting.Describe());
    }

    private int? hiddenSize;

    /// <summary>The library's default base rate for <paramref name="method"/> on this encoder (by its hidden size).</summary>
    private double DefaultLearningRate(AdapterMethod method, bool relativeSteps)
        => Training.LearningRateDefaults.BaseRate(method, HiddenSize(), relativeSteps);

    private int HiddenSize()
    {
        if (hiddenSize is null)
        {
            using var model = Models.SequenceClassificationModel.FromPretrained(modelPath ?? Checkpoints.DefaultEncoder.Directory,
                new Models.SequenceClassificationModelOptions { NumLabels = 2, Device = "cpu" });
            hiddenSize = model.Config.HiddenSize;
        }
        return hiddenSize.Value;
    }

    private IDataView Read(MLContext mlContext, string split, int rows)
    {
        var path = Path.Combine(dataDirectory, $"debian-sections.{split}.tsv");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Data file '{path}' is missing: expected the bundled debian-sections.{split}.tsv (pass --data with its folder).", path);
        var all = mlContext.Data.CreateEnumerable<SectionRow>(
            mlContext.Data.LoadFromTextFile<SectionRow>(path, separatorChar: '\t', hasHeader: true, allowQuoting: false), reuseRowObject: false).ToList();
        // The first rows of each class in file order (the files are shuffled), as the quickstart slices them.
        int perClass = Math.Max(1, rows / all.Select(r => r.Section).Distinct().Count());
        var taken = new Dictionary<string, int>();
        return mlContext.Data.LoadFromEnumerable(all.Where(r => (taken[r.Section] = taken.GetValueOrDefault(r.Section) + 1) <= perClass).ToList());
    }
}
