namespace Microsoft.ML.Lamda.Tests.MLNet;

/// <summary>One small classifier trained once (with a validation set) and shared by the transformer behaviour tests.</summary>
public sealed class TrainedClassifierFixture : IDisposable
{
    public TrainedClassifierFixture()
    {
        var checkpoint = TinyTextTasks.WriteCheckpoint();
        try
        {
            MLContext.Log += (_, e) => { lock (LogLines) LogLines.Add(e.Message); };
            var training = MLContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(200, seed: 11));
            Mapping = MLContext.Transforms.Conversion.MapValueToKey("Label").Fit(training);
            Keyed = Mapping.Transform(training);
            var validation = Mapping.Transform(MLContext.Data.LoadFromEnumerable(TinyTextTasks.TopicRows(60, seed: 12)));
            var options = LamdaTextClassificationTrainerTests.FastOptions(checkpoint);
            options.MaxEpochs = 3;
            options.ValidationSet = validation;
            options.Progress = new SynchronousProgress<LamdaTrainingProgress>(Reports.Add);
            Model = MLContext.MulticlassClassification.Trainers.Lamda(options).Fit(Keyed);
        }
        finally
        {
            Directory.Delete(checkpoint, recursive: true);
        }
    }

    public MLContext MLContext { get; } = new(seed: 1);

    public ITransformer Mapping { get; }

    public IDataView Keyed { get; }

    public LamdaTextClassificationTransformer Model { get; }

    public List<string> LogLines { get; } = [];

    public List<LamdaTrainingProgress> Reports { get; } = [];

    public void Dispose() => Model.Dispose();
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (unlike <see cref="Progress{T}"/>).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
