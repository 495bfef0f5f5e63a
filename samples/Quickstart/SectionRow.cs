using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>One row of <c>debian-sections.*.tsv</c>: a package description and its archive section.</summary>
public sealed class SectionRow
{
    /// <summary>Archive section (the label), e.g. <c>libs</c>.</summary>
    [LoadColumn(0)]
    public string Section { get; set; } = "";

    /// <summary>Short and long description of the package.</summary>
    [LoadColumn(1)]
    public string Description { get; set; } = "";
}

/// <summary>What the saved model predicts for one description.</summary>
public sealed class SectionPrediction
{
    /// <summary>Predicted archive section.</summary>
    public string PredictedSection { get; set; } = "";

    /// <summary>Probability of each section, in the label key's order.</summary>
    public float[] Score { get; set; } = [];
}
