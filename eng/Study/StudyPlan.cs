using Microsoft.ML.Lamda.Adapters;

namespace Microsoft.ML.Lamda.Study;

/// <summary>The plans the study command knows: which settings, how many seeds, how much data, which split.</summary>
/// <param name="Name">Plan name on the command line.</param>
/// <param name="Settings">Settings run, in order.</param>
/// <param name="Seeds">Seeds of each setting.</param>
/// <param name="TrainRows">Training rows (balanced slice of the training file).</param>
/// <param name="EvaluationRows">Rows of the evaluated split.</param>
/// <param name="Epochs">Epochs.</param>
/// <param name="Split">"validation" to choose settings, "test" only for the final defaults.</param>
public sealed record StudyPlan(string Name, IReadOnlyList<StudySetting> Settings, IReadOnlyList<int> Seeds, int TrainRows, int EvaluationRows, int Epochs, string Split)
{
    /// <summary>Screening: small slices, one seed, validation split; every method at its defaults, and LaMDA's knobs one at a time around them.</summary>
    public static StudyPlan Screen { get; } = new("screen",
    [
        new("lora-default", AdapterMethod.Lora),
        new("lamda-default", AdapterMethod.Lamda),
        new("classic", AdapterMethod.Lamda) { Classic = true },
        new("lamda-old", AdapterMethod.Lamda) { LearningRate = 5e-3, PmbMultiplier = 1, HeadMultiplier = 1, FreezeStart = 0, DecayTowardsInitialValues = false },
        new("lamda-half-lr", AdapterMethod.Lamda) { LearningRateFactor = 0.5, HeadRateFactor = 0.5 },
        new("lamda-double-lr", AdapterMethod.Lamda) { LearningRateFactor = 2, HeadRateFactor = 2 },
        new("lamda-quarter-lr", AdapterMethod.Lamda) { LearningRateFactor = 0.25, HeadRateFactor = 0.25 },
        new("lamda-head-1x", AdapterMethod.Lamda) { HeadMultiplier = 1 },
        new("lamda-head-0.3x", AdapterMethod.Lamda) { HeadMultiplier = 0.3 },
        new("lamda-b-0.2x", AdapterMethod.Lamda) { PmbMultiplier = 0.2 },
        new("lamda-start-0", AdapterMethod.Lamda) { FreezeStart = 0 },
        new("lamda-zero-init", AdapterMethod.Lamda) { Initialization = LamdaInitialization.Zero },
        new("lamda++-default", AdapterMethod.LamdaPlusPlus),
        new("full-default", AdapterMethod.FullFineTuning),
    ], [1], TrainRows: 600, EvaluationRows: 300, Epochs: 2, Split: "validation");

    /// <summary>
    /// Relative LaMDA steps (S stepped in proportion to √(σᵢσⱼ), B by 1/√d_out), which chose the library's defaults:
    /// rates 5e-3, 1e-2 and 2e-2 with the head's rate following (as the screen moved it) and 2.5e-3 to 2e-2 with the
    /// head kept at LoRA's default rate, B at twice the rate, LaMDA++, t_i at 60 %, rank 16 and 64, and the plain-rate
    /// default for comparison; same size and split as <see cref="Screen"/>, three seeds. Rates are absolute, so the
    /// plan means the same whatever the library's default.
    /// </summary>
    public static StudyPlan Relative { get; } = Screen with
    {
        Name = "relative",
        Settings =
        [
            new("relative-default", AdapterMethod.Lamda) { LearningRate = 1e-2, RelativeSteps = true },
            new("relative-half-lr", AdapterMethod.Lamda) { LearningRate = 5e-3, HeadRateFactor = 0.5, RelativeSteps = true },
            new("relative-double-lr", AdapterMethod.Lamda) { LearningRate = 2e-2, HeadRateFactor = 2, RelativeSteps = true },
            new("relative++-default", AdapterMethod.LamdaPlusPlus) { LearningRate = 1e-2, RelativeSteps = true },
            new("relative-b-2x", AdapterMethod.Lamda) { LearningRate = 1e-2, PmbMultiplier = 2, RelativeSteps = true },
            new("plain-default", AdapterMethod.Lamda),
            new("relative-half-lr-head-kept", AdapterMethod.Lamda) { LearningRate = 5e-3, RelativeSteps = true },
            new("relative-double-lr-head-kept", AdapterMethod.Lamda) { LearningRate = 2e-2, RelativeSteps = true },
            new("relative-quarter-lr-head-kept", AdapterMethod.Lamda) { LearningRate = 2.5e-3, RelativeSteps = true },
            new("relative-half-lr-head-kept-ti-0.6", AdapterMethod.Lamda) { LearningRate = 5e-3, RelativeSteps = true, FreezeFraction = 0.6 },
            new("relative-half-lr-head-kept-r16", AdapterMethod.Lamda) { LearningRate = 5e-3, RelativeSteps = true, Rank = 16 },
            new("relative++-half-lr-head-kept", AdapterMethod.LamdaPlusPlus) { LearningRate = 5e-3, RelativeSteps = true },
            new("relative-half-lr-head-kept-r64", AdapterMethod.Lamda) { LearningRate = 5e-3, RelativeSteps = true, Rank = 64 },
        ],
        Seeds = [1, 2, 3],
    };

    /// <summary>Seeds 2 and 3 of the defaults and the nearest rivals, same size and split as <see cref="Screen"/>.</summary>
    public static StudyPlan MoreSeeds { get; } = Screen with
    {
        Name = "seeds",
        Settings = Screen.Settings.Where(s => s.Name is "lora-default" or "lamda-default" or "lamda-half-lr" or "lamda-double-lr" or "lamda-quarter-lr" or "lamda++-default").ToList(),
        Seeds = [2, 3],
    };

    /// <summary>
    /// Capacity: LoRA and LaMDA at the library's defaults, and LaMDA at rank 64, trained twice as long (4 epochs) on
    /// the screen's rows and split, three seeds: does LaMDA's gap to LoRA close with more steps or more rank?
    /// </summary>
    public static StudyPlan Longer { get; } = Screen with
    {
        Name = "longer",
        Settings =
        [
            new("lora-default", AdapterMethod.Lora),
            new("lamda-default", AdapterMethod.Lamda) { RelativeSteps = null },
            new("lamda-r64", AdapterMethod.Lamda) { RelativeSteps = null, Rank = 64 },
        ],
        Seeds = [1, 2, 3],
        Epochs = 4,
    };

    /// <summary>The final defaults on the test split, reported once: every method at the library's own defaults.</summary>
    public static StudyPlan Final { get; } = new("final",
    [
        new("lora-default", AdapterMethod.Lora),
        new("lamda-default", AdapterMethod.Lamda) { RelativeSteps = null },
        new("lamda++-default", AdapterMethod.LamdaPlusPlus) { RelativeSteps = null },
        new("full-default", AdapterMethod.FullFineTuning),
        new("classic", AdapterMethod.Lamda) { Classic = true },
    ], [1, 2, 3], TrainRows: 2000, EvaluationRows: 1000, Epochs: 2, Split: "test");

    /// <summary>The plans by name.</summary>
    public static IReadOnlyList<StudyPlan> All { get; } = [Screen, MoreSeeds, Relative, Longer, Final];
}
