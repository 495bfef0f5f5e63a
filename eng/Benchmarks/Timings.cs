namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Summaries of repeated timings.</summary>
internal static class Timings
{
    /// <summary>The median (the upper one of an even count) of <paramref name="values"/>.</summary>
    public static double Median(IReadOnlyCollection<double> values) => values.Order().ElementAt(values.Count / 2);
}
