namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>
/// The bundled Debian section data set, loaded with ML.NET's text loader and cut to the run's sizes: each slice
/// takes the first rows of every class in file order (the files are shuffled), so slices stay balanced.
/// </summary>
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

    /// <summary>Loads the three files of <paramref name="settings"/>' data folder and keeps balanced slices of them.</summary>
    public static SectionData Load(MLContext mlContext, QuickstartSettings settings)
    {
        IDataView Read(string split, int rows)
        {
            var path = Path.Combine(settings.DataDirectory, $"debian-sections.{split}.tsv");
            if (!File.Exists(path))
                throw new FileNotFoundException($"Data file '{path}' is missing: expected the bundled debian-sections.{split}.tsv (pass --data with its folder).", path);
            // Tab-separated with a header; descriptions hold quotes but never tabs, so no quoting.
            var data = mlContext.Data.LoadFromTextFile<SectionRow>(path, separatorChar: '\t', hasHeader: true, allowQuoting: false);
            return mlContext.Data.LoadFromEnumerable(BalancedSlice(mlContext.Data.CreateEnumerable<SectionRow>(data, reuseRowObject: false).ToList(), rows));
        }

        return new SectionData(Read("train", settings.TrainRows),
            settings.ValidationRows > 0 ? Read("validation", settings.ValidationRows) : null,
            Read("test", settings.TestRows));
    }

    /// <summary>About <paramref name="rows"/> rows: the first rows/classes of each class, in file order.</summary>
    private static List<SectionRow> BalancedSlice(List<SectionRow> all, int rows)
    {
        int classes = all.Select(r => r.Section).Distinct().Count();
        int perClass = Math.Max(1, rows / classes);
        var taken = new Dictionary<string, int>();
        return all.Where(r => (taken[r.Section] = taken.GetValueOrDefault(r.Section) + 1) <= perClass).ToList();
    }
}
