namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>A training configuration as the report names it.</summary>
internal enum TrainingVariant
{
    /// <summary>Every weight trains.</summary>
    FullFineTuning,
    /// <summary>LoRA at rank r.</summary>
    Lora,
    /// <summary>LaMDA at rank r while PMB still trains (before t_i).</summary>
    LamdaDuringFreezing,
    /// <summary>LaMDA at rank r after PMB is frozen (only the r x r LDA trains).</summary>
    LamdaAfterFreezing,
    /// <summary>LaMDA++ with the uniform rank-r budget, after PMB freezing.</summary>
    LamdaPlusPlus,
}

/// <summary>One training measurement, run in a child process of its own.</summary>
/// <param name="Model">Encoder shape.</param>
/// <param name="Variant">Method and phase.</param>
/// <param name="Batch">Sequences per step.</param>
/// <param name="SequenceLength">Tokens per sequence.</param>
/// <param name="Rank">Adapter rank (budget for LaMDA++).</param>
/// <param name="DType">float32 or bfloat16.</param>
/// <param name="WarmupSteps">Steps run before timing.</param>
/// <param name="MeasuredSteps">Timed steps; the median is reported.</param>
/// <param name="Device">Device of the model and the steps: cpu, cuda or cuda:N (results stored before the option existed read as cpu).</param>
internal sealed record TrainingCase(string Model, TrainingVariant Variant, int Batch, int SequenceLength, int Rank, string DType, int WarmupSteps, int MeasuredSteps, string Device = "cpu");

/// <summary>What a training child reports.</summary>
/// <param name="Case">The configuration measured.</param>
/// <param name="TrainableParameters">Parameters that receive gradients in the measured steps (head included).</param>
/// <param name="AllParameters">All parameters of the model.</param>
/// <param name="OptimizerStateBytes">Bytes of AdamW moments after the measured steps.</param>
/// <param name="LoadedBytes">Host resident bytes once the model is built, adapted and on the device.</param>
/// <param name="PeakBytes">Peak host resident bytes of the whole process.</param>
/// <param name="PeakAboveLoadedBytes">Peak host resident bytes during training steps minus <paramref name="LoadedBytes"/>.</param>
/// <param name="MedianStepSeconds">Median wall time of one optimizer step.</param>
/// <param name="TokensPerSecond">Tokens processed per second at the median step time.</param>
/// <param name="StepFlops">Matrix-multiply FLOPs of one step, from the shape.</param>
/// <param name="GemmPeakFlops">This machine's measured GEMM FLOP/s in the same dtype, in the same process.</param>
/// <param name="Phases">Median seconds of the step's phases.</param>
/// <param name="PeakGpuBytes">On CUDA, the largest GPU memory in use seen after a step (NVML: the whole device, libtorch's cache included); null on CPU.</param>
internal sealed record TrainingResult(TrainingCase Case, long TrainableParameters, long AllParameters, long OptimizerStateBytes,
    long LoadedBytes, long PeakBytes, long PeakAboveLoadedBytes, double MedianStepSeconds, double TokensPerSecond, double StepFlops, double GemmPeakFlops,
    StepPhases Phases, long? PeakGpuBytes = null)
{
    /// <summary>Achieved FLOP/s over <paramref name="gemmPeakFlops"/>.</summary>
    public double PeakFraction(double gemmPeakFlops) => StepFlops / MedianStepSeconds / gemmPeakFlops;
}

/// <summary>Where a training step's time goes (each the median over the timed steps).</summary>
/// <param name="ForwardSeconds">Forward pass and loss.</param>
/// <param name="BackwardSeconds">Backward pass.</param>
/// <param name="OptimizerSeconds">Gradient clipping and the AdamW step (zeroing the gradients included).</param>
internal sealed record StepPhases(double ForwardSeconds, double BackwardSeconds, double OptimizerSeconds);

/// <summary>One inference measurement for a model shape.</summary>
/// <param name="Model">Encoder shape.</param>
/// <param name="Batch">Rows per forward pass for the batched figures.</param>
/// <param name="SequenceLength">Tokens per row.</param>
/// <param name="Rank">Adapter rank.</param>
/// <param name="Rows">Rows scored per figure.</param>
/// <param name="Device">Device of the models: cpu, cuda or cuda:N.</param>
internal sealed record InferenceCase(string Model, int Batch, int SequenceLength, int Rank, int Rows, string Device = "cpu");

/// <summary>Rows per second of the ways to run a fine-tuned model.</summary>
/// <param name="Case">The configuration measured.</param>
/// <param name="PretrainedBatched">The plain pretrained model, batched.</param>
/// <param name="MergedBatched">The LaMDA model after merging, batched.</param>
/// <param name="UnmergedBatched">The LaMDA model with adapters still in place, batched.</param>
/// <param name="MergedOneRowAtATime">The merged model fed one row per forward pass.</param>
internal sealed record InferenceResult(InferenceCase Case, double PretrainedBatched, double MergedBatched, double UnmergedBatched, double MergedOneRowAtATime);
