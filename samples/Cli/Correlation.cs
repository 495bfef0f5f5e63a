namespace Microsoft.ML.Lamda.Cli;

/// <summary>Pearson and Spearman correlation of predicted and true similarities.</summary>
internal static class Correlation
{
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double covariance = 0, varianceX = 0, varianceY = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            covariance += dx * dy;
            varianceX += dx * dx;
            varianceY += dy * dy;
        }
        return covariance / Math.Sqrt(varianceX * varianceY);
    }

    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks(x), Ranks(y));

    /// <summary>Ranks from 1, ties sharing their mean rank.</summary>
    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            for (int k = start; k <= end; k++) ranks[order[k]] = (start + end) / 2.0 + 1;
            start = end + 1;
        }
        return ranks;
    }
}
