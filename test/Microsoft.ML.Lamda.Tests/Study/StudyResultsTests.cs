using Microsoft.ML.Lamda.Study;

namespace Microsoft.ML.Lamda.Tests.Study;

public class StudyResultsTests
{
    [Fact]
    public void ARunWrittenToTheCsvIsReadBackAndSkippedByItsKey()
    {
        var folder = Directory.CreateTempSubdirectory("lamda-study-").FullName;
        try
        {
            var file = new StudyResultsFile(Path.Combine(folder, "results.csv"));
            var plan = StudyPlan.Screen;
            var setting = plan.Settings.Single(s => s.Name == "lamda-default");
            var run = new StudyResult(plan.Name, setting.Name, 2, plan.TrainRows, plan.EvaluationRows, plan.Epochs, plan.Split, "enc",
                0.6123, 0.55, 81.5, 2e-2, 1, setting.Describe());
            file.Append(run);
            file.Append(run with { Seed = 3, Accuracy = 0.7 });

            var read = file.ReadAll();
            Assert.Equal(2, read.Count);
            Assert.Equal(run.Description, read[0].Description);
            Assert.InRange(read[0].Accuracy, 0.6123 - 1e-9, 0.6123 + 1e-9);
            Assert.Equal(StudyResult.KeyOf(plan, setting, 2, "enc"), read[0].Key);
            Assert.NotEqual(StudyResult.KeyOf(plan, setting, 4, "enc"), read[1].Key);

            StudyReport.Write(folder, read);
            Assert.Contains("| lamda-default | 65.6 ± 6.2 |", File.ReadAllText(Path.Combine(folder, "study.md")));
            Assert.Single(Directory.GetFiles(folder, "*.png"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
