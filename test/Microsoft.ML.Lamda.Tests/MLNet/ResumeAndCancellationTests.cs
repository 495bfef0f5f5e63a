using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda.Tests.MLNet;

[Collection(SerialTrainingCollection.Name)]
public sealed class ResumeAndCancellationTests : IDisposable
{
    private readonly string _checkpoint = TinyTextTasks.WriteCheckpoint();
    private readonly string _work = Directory.CreateTempSubdirectory("lamda-resume-").FullName;

    public void Dispose()
    {
        Directory.Delete(_checkpoint, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    private (IDataView Training, IDataView Test) Data(MLContext mlContext)
    {
        var training = mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(96, seed: 31));
        var mapping = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(training);
        return (mapping.Transform(training), mapping.Transform(mlContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(20, seed: 32))));
    }

    private LamdaTextClassificationTrainer.Options Options(string checkpointDirectory, IProgress<LamdaTrainingProgress>? progress = null)
    {
        var options = LamdaTextClassificationTrainerTests.FastOptions(_checkpoint);
        options.MaxEpochs = 3;
        options.Dropout = 0.1;
        options.CheckpointDirectory = checkpointDirectory;
        options.Progress = progress;
        // Resumed runs must repeat the uninterrupted one bit for bit: CPU, whatever LAMDA_TEST_DEVICE says (GPU backward kernels use atomics).
        options.Device = "cpu";
        return options;
    }

    [Fact]
    public void CancelExecutionStopsBetweenSteps()
    {
        var mlContext = new MLContext(seed: 1);
        var (training, _) = Data(mlContext);
        int reportsAfterCancel = 0;
        bool canceled = false;
        var progress = new SynchronousProgress<LamdaTrainingProgress>(_ =>
        {
            if (canceled) reportsAfterCancel++;
            // MLContext.CancelExecution is internal in ML.NET 5.0.1: the trainers honour it (ML.NET's own
            // components call it), and users who cannot reach it set Options.CancellationToken.
            typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!.Invoke(mlContext, null);
            canceled = true;
        });
        var options = Options(Path.Combine(_work, "canceled"), progress);
        options.BatchSize = 4;
        Assert.ThrowsAny<OperationCanceledException>(() => mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(training));
        Assert.Equal(0, reportsAfterCancel);
    }

    [Fact]
    public void ResumedRunEqualsUninterruptedRun()
    {
        var uninterruptedContext = new MLContext(seed: 7);
        var (training, test) = Data(uninterruptedContext);
        using var uninterrupted = uninterruptedContext.MulticlassClassification.Trainers.Lamda(Options(Path.Combine(_work, "uninterrupted"))).Fit(training);
        var expected = uninterrupted.Transform(test).GetColumn<float[]>("Score").ToArray();

        var directory = Path.Combine(_work, "interrupted");
        var interruptedContext = new MLContext(seed: 7);
        using var cancellation = new CancellationTokenSource();
        var stopAfterFirstEpoch = new SynchronousProgress<LamdaTrainingProgress>(p =>
        {
            if (p.IsEpochEnd && p.Epoch == 1) cancellation.Cancel();
        });
        var interruptedOptions = Options(directory, stopAfterFirstEpoch);
        interruptedOptions.CancellationToken = cancellation.Token;
        Assert.ThrowsAny<OperationCanceledException>(() =>
            interruptedContext.MulticlassClassification.Trainers.Lamda(interruptedOptions).Fit(Data(interruptedContext).Training));
        Assert.True(Directory.Exists(Path.Combine(directory, "epoch-0001")));

        var resumedContext = new MLContext(seed: 7);
        var epochs = new List<int>();
        var recordEpochs = new SynchronousProgress<LamdaTrainingProgress>(p => { if (p.IsEpochEnd) epochs.Add(p.Epoch); });
        using var resumed = resumedContext.MulticlassClassification.Trainers.Lamda(Options(directory, recordEpochs)).Fit(Data(resumedContext).Training);
        var actual = resumed.Transform(Data(resumedContext).Test).GetColumn<float[]>("Score").ToArray();

        Assert.Equal([2, 3], epochs);
        Assert.Equal(3, resumed.TrainingReport.Epochs.Count);
        Assert.Equal(uninterrupted.TrainingReport.Epochs.Select(e => e.TrainingLoss), resumed.TrainingReport.Epochs.Select(e => e.TrainingLoss));
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i]);
        Assert.Equal(["epoch-0003"], Directory.GetDirectories(directory).Select(Path.GetFileName));
    }

    [Fact]
    public void CheckpointOfOtherSettingsIsRefused()
    {
        var mlContext = new MLContext(seed: 1);
        var (training, _) = Data(mlContext);
        var directory = Path.Combine(_work, "other-settings");
        var options = Options(directory);
        options.MaxEpochs = 1;
        mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(training).Dispose();
        options.Rank = 4;
        var error = Assert.Throws<InvalidOperationException>(() => mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(training));
        Assert.Contains("CheckpointDirectory", error.Message);
    }

    [Fact]
    public void EarlyStoppingEndsWhenValidationStopsImproving()
    {
        var mlContext = new MLContext(seed: 1);
        var (training, test) = Data(mlContext);
        var options = Options(Path.Combine(_work, "early"));
        options.MaxEpochs = 6;
        options.LearningRate = 1e-12;
        options.ValidationSet = test;
        options.EarlyStoppingPatience = 2;
        using var model = mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(training);
        Assert.Equal(3, model.TrainingReport.Epochs.Count);
        Assert.Equal(1, model.TrainingReport.BestEpoch);
    }
}
