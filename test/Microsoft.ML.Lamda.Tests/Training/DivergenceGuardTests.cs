using Microsoft.ML.Lamda.Training;

namespace Microsoft.ML.Lamda.Tests.Training;

public class DivergenceGuardTests
{
    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void ANonFiniteLossStopsTrainingNamingStepValueAndRate(double loss, string shown)
    {
        var guard = new DivergenceGuard(baseLearningRate: 2e-2, window: 2);
        guard.CheckLoss(1.5, step: 1, learningRate: 1e-2);
        var e = Assert.Throws<TrainingDivergedException>(() => guard.CheckLoss(loss, step: 7, learningRate: 1.5e-2));
        Assert.Contains("step 7", e.Message);
        Assert.Contains(shown, e.Message);
        Assert.Contains("0.015", e.Message);
        Assert.Contains("Lower the LearningRate", e.Message);
    }

    [Fact]
    public void ANonFiniteGradientNormStopsTraining()
    {
        var guard = new DivergenceGuard(1e-3, window: 2);
        var e = Assert.Throws<TrainingDivergedException>(() => guard.CheckGradientNorm(double.NaN, step: 3, learningRate: 1e-3));
        Assert.Contains("gradient norm is NaN", e.Message);
        Assert.Contains("step 3", e.Message);
    }

    [Fact]
    public void ALossEndingAboveItsStartIsReportedAndAFallingOneIsNot()
    {
        var rising = new DivergenceGuard(1e-2, window: 2);
        foreach (var loss in new[] { 1.0, 1.1, 0.9, 1.4, 2.3, 2.2 }) rising.CheckLoss(loss, 1, 1e-2);
        var warning = rising.Conclude();
        Assert.NotNull(warning);
        Assert.Contains("2.25", warning);
        Assert.Contains("1.05", warning);

        var falling = new DivergenceGuard(1e-2, window: 2);
        foreach (var loss in new[] { 1.0, 1.1, 0.9, 0.7, 0.5, 0.4 }) falling.CheckLoss(loss, 1, 1e-2);
        Assert.Null(falling.Conclude());
    }
}
