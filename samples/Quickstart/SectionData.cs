namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>The bundled Debian section data set, loaded with ML.NET's text loader and cut to the run's sizes.</summary>
public sealed class SectionData
{
    private SectionData(IDataView train, IDataView? validation, IDataView test)
    {
        Train = train;
        Validation = validation;
        Test = test;
    }

    /// <summary>Training rows.</summary>
    public IDataView Train { get; }

    /// <summary>Validation rows, or null when the run validates nothing.</summary>
    public IDataView? Validation { get; }

    /// <summary>Test rows.</summary>
    public IDataView Test { get; }

    /// <summary>Loads the three files of <paramref name="settings"/>' data folder and keeps the first rows of each.</summary>
    public static SectionData Load(MLContext mlContext, QuickstartSettings settings)
    {
        IDataView Read(string split, int rows)
        {
            var path = Path.Combine(settings.DataDirectory, $"debian-sections.{split}.tsv");
            if (!File.Exists(path))
                throw new FileNotFoundException($"Data file '{path}' is missing: expected the bundled debian-sections.{split}.tsv (pass --data with its folder).", path);
            // Tab-separated with a header; descriptions hold quotes but never tabs, so no quoting.
            var data = mlContext.Data.LoadFromTextFile<SectionRow>(path, separatorChar: '\t', hasHeader: true, allowQuoting: false);
            return mlContext.Data.TakeRows(data, rows);
        }

        return new SectionData(Read("train", settings.TrainRows),
            settings.ValidationRows > 0 ? Read("validation", settings.ValidationRows) : null,
            Read("test", settings.TestRows));
    }
}
