using Microsoft.ML.Lamda.Training;

namespace Microsoft.ML.Lamda.Tests.Training;

public sealed class EvaluationMetricsTests
{
    [Fact]
    public void AccuracyAndMacroF1MatchHandComputedValues()
    {
        int[] labels = [0, 0, 1, 1, 2, 2];
        int[] predicted = [0, 1, 1, 1, 2, 0];
        Assert.Equal(4.0 / 6, EvaluationMetrics.Accuracy(predicted, labels), 1e-12);
        // Class 0: P 1/2 R 1/2 F1 1/2; class 1: P 2/3 R 1 F1 0.8; class 2: P 1 R 1/2 F1 2/3.
        Assert.Equal((0.5 + 0.8 + 2.0 / 3) / 3, EvaluationMetrics.MacroF1(predicted, labels, 3), 12);
    }

    [Fact]
    public void MacroF1IgnoresClassesAbsentFromLabelsAndPredictions()
    {
        Assert.Equal(1.0, EvaluationMetrics.MacroF1([0, 2], [0, 2], classCount: 4), 1e-12);
    }

    [Fact]
    public void PearsonAndSpearmanMatchReferenceValues()
    {
        double[] x = [1, 2, 3, 4, 5];
        double[] y = [2, 1, 4, 3, 7];
        // Deviations (-2 -1 0 1 2) and (-1.4 -2.4 0.6 -0.4 3.6): covariance 12, variances 10 and 21.2, so r = 12 / sqrt(212).
        // Ranks of y are (2 1 4 3 5): rank deviations give covariance 8 over variances 10 and 10, so rho = 0.8.
        Assert.Equal(12 / Math.Sqrt(212), EvaluationMetrics.Pearson(x, y), 1e-12);
        Assert.Equal(0.8, EvaluationMetrics.Spearman(x, y), 1e-12);
    }

    [Fact]
    public void SpearmanGivesTiesTheirMeanRank()
    {
        double[] x = [1, 2, 2, 3];
        double[] y = [1, 2, 3, 4];
        // Ranks of x are (1 2.5 2.5 4): deviations (-1.5 0 0 1.5) against (-1.5 -0.5 0.5 1.5) give covariance 4.5 over
        // variances 4.5 and 5, so rho = 4.5 / sqrt(22.5).
        Assert.Equal(4.5 / Math.Sqrt(22.5), EvaluationMetrics.Spearman(x, y), 1e-12);
    }

    [Fact]
    public void CorrelationOfAConstantIsNaN()
    {
        Assert.True(double.IsNaN(EvaluationMetrics.Pearson([1, 1, 1], [1, 2, 3])));
    }
}
