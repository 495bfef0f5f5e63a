using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Training;

namespace Microsoft.ML.Lamda;

/// <summary>
/// Settings shared by the LaMDA trainers (the nested <c>Options</c> of
/// <see cref="LamdaTextClassificationTrainer"/> and <see cref="LamdaSentenceSimilarityTrainer"/>). Every setting is checked when training starts, with a
/// message that names it.
/// </summary>
public abstract class LamdaTrainerOptions
{
    /// <summary>Default adapter rank (per adapted layer).</summary>
    public const int DefaultRank = 32;

    /// <summary>Label column: a key for classification, a <see cref="float"/> for sentence similarity.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Text column of the first sentence.</summary>
    public string Sentence1ColumnName { get; set; } = "Sentence1";

    /// <summary>Text column of the second sentence of a pair; null for single sentences.</summary>
    public virtual string? Sentence2ColumnName { get; set; }

    /// <summary>Output column of scores: class probabilities, or the similarity.</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>
    /// Folder of the pretrained encoder checkpoint (config.json, model.safetensors and the tokenizer files, as
    /// Hugging Face writes them), or an ONNX encoder export: a folder holding model.onnx and the tokenizer files, or
    /// the path of an .onnx file with those files beside it (<see cref="Checkpoints.OnnxEncoderImporter"/>);
    /// null: the encoder embedded in the library (<see cref="Checkpoints.DefaultEncoder"/>).
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>Adapter method: LaMDA (default), LaMDA++ (per-layer ranks from spectral energy), LoRA, or full fine-tuning.</summary>
    public AdapterMethod Method { get; set; } = AdapterMethod.Lamda;

    /// <summary>Adapter rank r (for LaMDA++, the uniform rank whose parameter budget is shared out). At most the hidden size.</summary>
    public int Rank { get; set; } = DefaultRank;

    /// <summary>Adapter scaling numerator α (the adapter path is scaled by α / r); null: α = r (a scale of 1).</summary>
    public double? Alpha { get; set; }

    /// <summary>Dropout on the adapter path's input, in [0, 1). Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Patterns of the Linear layers to adapt; null: every Linear inside the encoder blocks.</summary>
    public IReadOnlyList<string>? TargetModules { get; set; }

    /// <summary>
    /// LaMDA: how S and B start (<see cref="LamdaInitialization.Spectral"/> by default: S = Σ_r with the residual main
    /// path; <see cref="LamdaInitialization.Zero"/>: S = 0 on the full weights; <see cref="LamdaInitialization.Random"/>).
    /// </summary>
    public LamdaInitialization Initialization { get; set; } = LamdaInitialization.Spectral;

    /// <summary>LaMDA: freeze the projection B column by column during training (the method's memory saving). Default on.</summary>
    public bool FreezePmb { get; set; } = true;

    /// <summary>LaMDA: share of the optimizer steps after which B is completely frozen (t_i), in (0, 1]. Default 0.3.</summary>
    public double FreezeFraction { get; set; } = 0.3;

    /// <summary>LaMDA: t_i as an absolute optimizer step count; overrides <see cref="FreezeFraction"/> when set.</summary>
    public int? FreezeSteps { get; set; }

    /// <summary>
    /// LaMDA: share of the optimizer steps before the first column of B freezes (t_s), below <see cref="FreezeFraction"/>;
    /// null (default): the end of warm-up (<see cref="WarmupFraction"/>), so that B trains at full rate first.
    /// </summary>
    public double? FreezeStartFraction { get; set; }

    /// <summary>LaMDA: shape of the freezing schedule between t_s and t_i (default cubic).</summary>
    public PmbFreezeCurve FreezeCurve { get; set; } = PmbFreezeCurve.Cubic;

    /// <summary>LaMDA: which columns of B freeze first (default those of the largest singular values).</summary>
    public PmbFreezeOrder FreezeOrder { get; set; } = PmbFreezeOrder.LargestFirst;

    /// <summary>Longest token sequence (pairs are truncated longest-first). Default 128.</summary>
    public int MaxSequenceLength { get; set; } = 128;

    /// <summary>Rows per batch, for training and for inference. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Passes over the training data at most. Default 10.</summary>
    public int MaxEpochs { get; set; } = 10;

    /// <summary>
    /// Peak learning rate of LaMDA's S and B, LoRA's A and B, or every weight in full fine-tuning. Null: the method's
    /// default: 5e-3 for LaMDA and LaMDA++ (a relative step, the same for every encoder; 2e-2 scaled by
    /// min(1, 256 / hidden size) when <see cref="RelativeLamdaSteps"/> is false), 2e-3 for LoRA and 2e-4 for full
    /// fine-tuning, both scaled by min(1, 256 / hidden size).
    /// </summary>
    public double? LearningRate { get; set; }

    /// <summary>
    /// LaMDA: the learning rate is a relative step size. Each S entry (i, j) steps by the rate times √(σᵢσⱼ), the
    /// singular values of the pretrained weight it mixes, and B steps by the rate over √d_out, so that S's entries and
    /// B's columns change by about the rate, relative to their size, at each step, whatever the checkpoint's weight
    /// scale. Default true. False: S and B step by the plain rate (the method's original parametrization), and B needs
    /// a small <see cref="PmbLearningRateMultiplier"/>.
    /// </summary>
    public bool RelativeLamdaSteps { get; set; } = true;

    /// <summary>LaMDA: B trains at <see cref="LearningRate"/> times this; null: 0.05 (1 with <see cref="RelativeLamdaSteps"/>).</summary>
    public double? PmbLearningRateMultiplier { get; set; }

    /// <summary>
    /// The task head (trained in full) trains at <see cref="LearningRate"/> times this; null: for LaMDA and LaMDA++, the
    /// head trains at LoRA's default rate for the encoder whatever <see cref="LearningRate"/> is (a fresh dense layer,
    /// whose good step does not depend on the adapter's parametrization); 1 otherwise.
    /// </summary>
    public double? HeadLearningRateMultiplier { get; set; }

    /// <summary>AdamW weight decay (never applied to biases and LayerNorms). Default 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>
    /// LaMDA: weight decay pulls S and B towards their initial values (the pretrained components they hold), so that it
    /// regularises the change rather than shrinking the pretrained model. Default true; false decays them towards zero.
    /// </summary>
    public bool DecayTowardsInitialValues { get; set; } = true;

    /// <summary>Share of the optimizer steps spent warming the learning rate up linearly from 0, in [0, 1). Default 0.06.</summary>
    public double WarmupFraction { get; set; } = 0.06;

    /// <summary>Batches whose gradients are summed into one optimizer step. Default 1.</summary>
    public int GradientAccumulationSteps { get; set; } = 1;

    /// <summary>Gradient clipping: largest global gradient norm. Default 1.</summary>
    public double MaxGradientNorm { get; set; } = 1.0;

    /// <summary>Precision of weights and activations. Default float32.</summary>
    public LamdaPrecision Precision { get; set; } = LamdaPrecision.Float32;

    /// <summary>Device: "auto" (default: a GPU where the CUDA build finds one, else CPU), "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; set; } = "auto";

    /// <summary>
    /// On a CUDA device, lets float32 matrix multiplications use TF32 tensor cores (about 10 mantissa bits: several
    /// times faster on Ampere and later GPUs, at about 1e-3 relative error). Set for the fit and restored afterwards;
    /// no effect on CPU. Default false (exact float32).
    /// </summary>
    public bool AllowTf32 { get; set; }

    /// <summary>Seed of initialization, dropout and data order; null: the MLContext's seed (0 where the context has none).</summary>
    public int? Seed { get; set; }

    /// <summary>Data scored after each epoch to pick the best epoch and to stop early; must have the training data's columns.</summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stop after this many epochs without a better validation metric; null: never stop early. Needs a validation set.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Folder for training checkpoints, written after every epoch. When it holds a checkpoint of the same
    /// settings, training resumes after its last completed epoch (also after the process was killed: a checkpoint is
    /// written under a temporary name with a SHA-256 manifest and renamed when complete). A checkpoint of other settings
    /// or another format version is refused; a damaged or half-written one is ignored with a log line. A folder that
    /// cannot be written fails before training; a full disk fails with <see cref="IOException"/>, keeping the previous checkpoint.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Receives progress reports during training.</summary>
    public IProgress<LamdaTrainingProgress>? Progress { get; set; }

    /// <summary>
    /// Stops training between steps with <see cref="OperationCanceledException"/> (as <c>MLContext.CancelExecution</c>
    /// does, which ML.NET 5 keeps internal). The last completed epoch's checkpoint, if any, stays for resuming.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>The adapter and PMB freezing settings (the one place they are validated: <see cref="AdapterConfig.Validate"/>).</summary>
    internal AdapterConfig ToAdapterConfig(IReadOnlyList<string>? modulesToSave) => new()
    {
        Method = Method,
        Rank = Rank,
        Alpha = Alpha,
        Dropout = Dropout,
        TargetModules = TargetModules,
        ModulesToSave = modulesToSave,
        Initialization = Initialization,
        FreezePmb = FreezePmb,
        FreezeFraction = FreezeFraction,
        FreezeSteps = FreezeSteps,
        FreezeStartFraction = FreezeStartFraction ?? WarmupFraction,
        FreezeCurve = FreezeCurve,
        FreezeOrder = FreezeOrder,
    };

    private double BaseLearningRate(int hiddenSize) => LearningRate ?? LearningRateDefaults.BaseRate(Method, hiddenSize, RelativeLamdaSteps);

    /// <summary>The training loop's settings for an encoder of hidden size <paramref name="hiddenSize"/> (which sets the default rates).</summary>
    internal TrainingSettings ToTrainingSettings(int hiddenSize) => new()
    {
        BatchSize = BatchSize,
        MaxEpochs = MaxEpochs,
        GradientAccumulationSteps = GradientAccumulationSteps,
        LearningRate = BaseLearningRate(hiddenSize),
        PmbLearningRateMultiplier = PmbLearningRateMultiplier ?? LearningRateDefaults.PmbMultiplier(Method, RelativeLamdaSteps),
        HeadLearningRateMultiplier = HeadLearningRateMultiplier ?? LearningRateDefaults.HeadMultiplier(Method, hiddenSize, BaseLearningRate(hiddenSize)),
        RelativeLamdaSteps = RelativeLamdaSteps,
        DecayTowardsInitialValues = DecayTowardsInitialValues,
        WeightDecay = WeightDecay,
        WarmupFraction = WarmupFraction,
        MaxGradientNorm = MaxGradientNorm,
        EarlyStoppingPatience = EarlyStoppingPatience,
        CheckpointDirectory = CheckpointDirectory,
        Progress = Progress is { } progress ? progress.Report : null,
    };

    /// <summary>Checks every setting that does not need the data or the checkpoint; throws with the setting's name.</summary>
    internal virtual void Validate()
    {
        RequireName(LabelColumnName, nameof(LabelColumnName));
        RequireName(Sentence1ColumnName, nameof(Sentence1ColumnName));
        RequireName(ScoreColumnName, nameof(ScoreColumnName));
        if (Sentence2ColumnName is not null) RequireName(Sentence2ColumnName, nameof(Sentence2ColumnName));
        if (ModelPath is not null && !Directory.Exists(ModelPath) && !(File.Exists(ModelPath) && ModelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)))
            throw new DirectoryNotFoundException($"{nameof(ModelPath)} '{ModelPath}' does not exist: expected the folder of a pretrained encoder checkpoint (config.json, model.safetensors and tokenizer files), or an .onnx encoder file with the tokenizer files beside it.");
        if (!Enum.IsDefined(Method)) throw new ArgumentOutOfRangeException(nameof(Method), Method, $"{nameof(Method)} must be one of {string.Join(", ", Enum.GetNames<AdapterMethod>())}.");
        if (!Enum.IsDefined(Precision)) throw new ArgumentOutOfRangeException(nameof(Precision), Precision, $"{nameof(Precision)} must be one of {string.Join(", ", Enum.GetNames<LamdaPrecision>())}.");
        if (MaxSequenceLength < 8)
            throw new ArgumentOutOfRangeException(nameof(MaxSequenceLength), MaxSequenceLength, $"{nameof(MaxSequenceLength)} must be at least 8 tokens.");
        RequirePositive(BatchSize, nameof(BatchSize));
        RequirePositive(MaxEpochs, nameof(MaxEpochs));
        RequirePositive(GradientAccumulationSteps, nameof(GradientAccumulationSteps));
        if (LearningRate is double rate && !(rate > 0 && double.IsFinite(rate)))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), rate, $"{nameof(LearningRate)} must be a positive number (or null for the method's default).");
        if (PmbLearningRateMultiplier is double pmb && !(pmb > 0 && double.IsFinite(pmb)))
            throw new ArgumentOutOfRangeException(nameof(PmbLearningRateMultiplier), pmb, $"{nameof(PmbLearningRateMultiplier)} must be a positive number (or null for the method's default).");
        if (HeadLearningRateMultiplier is double head && !(head > 0 && double.IsFinite(head)))
            throw new ArgumentOutOfRangeException(nameof(HeadLearningRateMultiplier), head, $"{nameof(HeadLearningRateMultiplier)} must be a positive number (or null for the method's default).");
        if (!(WeightDecay >= 0 && double.IsFinite(WeightDecay)))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"{nameof(WeightDecay)} must be zero or positive.");
        if (!(WarmupFraction >= 0 && WarmupFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(WarmupFraction), WarmupFraction, $"{nameof(WarmupFraction)} must lie in [0, 1).");
        if (!(MaxGradientNorm > 0))
            throw new ArgumentOutOfRangeException(nameof(MaxGradientNorm), MaxGradientNorm, $"{nameof(MaxGradientNorm)} must be positive.");
        if (EarlyStoppingPatience is int patience)
        {
            RequirePositive(patience, nameof(EarlyStoppingPatience));
            if (ValidationSet is null)
                throw new ArgumentException($"{nameof(EarlyStoppingPatience)} needs a {nameof(ValidationSet)}: early stopping watches the validation metric.", nameof(EarlyStoppingPatience));
        }
        if (CheckpointDirectory is not null) RequireName(CheckpointDirectory, nameof(CheckpointDirectory));
        ToAdapterConfig(modulesToSave: null).Validate();
    }

    private static void RequireName(string? value, string setting)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{setting} must not be empty.", setting);
    }

    private static void RequirePositive(int value, string setting)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(setting, value, $"{setting} must be at least 1.");
    }
}
