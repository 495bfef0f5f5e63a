namespace Microsoft.ML.Lamda.Training;

/// <summary>The validation metrics the trainers report after each epoch.</summary>
public static class EvaluationMetrics
{
    /// <summary>Share of rows whose predicted class equals the label.</summary>
    public static double Accuracy(IReadOnlyList<int> predicted, IReadOnlyList<int> labels)
    {
        if (labels.Count == 0) return double.NaN;
        int correct = 0;
        for (int i = 0; i < labels.Count; i++)
            if (predicted[i] == labels[i]) correct++;
        return (double)correct / labels.Count;
    }

    /// <summary>Unweighted mean of the per-class F1 scores, over the classes that occur in labels or predictions.</summary>
    public static double MacroF1(IReadOnlyList<int> predicted, IReadOnlyList<int> labels, int classCount)
    {
        var truePositives = new int[classCount];
        var predictedCounts = new int[classCount];
        var labelCounts = new int[classCount];
        for (int i = 0; i < labels.Count; i++)
        {
            predictedCounts[predicted[i]]++;
            labelCounts[labels[i]]++;
            if (predicted[i] == labels[i]) truePositives[labels[i]]++;
        }
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classCount; c++)
        {
            if (labelCounts[c] == 0 && predictedCounts[c] == 0) continue;
            present++;
            sum += 2.0 * truePositives[c] / (labelCounts[c] + predictedCounts[c]);
        }
        return present == 0 ? double.NaN : sum / present;
    }

    /// <summary>Pearson correlation; NaN when either side is constant.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        if (n < 2) return double.NaN;
        double meanX = x.Average(), meanY = y.Average();
        double covariance = 0, varianceX = 0, varianceY = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            covariance += dx * dy;
            varianceX += dx * dx;
            varianceY += dy * dy;
        }
        return varianceX == 0 || varianceY == 0 ? double.NaN : covariance / Math.Sqrt(varianceX * varianceY);
    }

    /// <summary>Spearman rank correlation (Pearson over ranks, ties sharing their mean rank).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks(x), Ranks(y));

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double meanRank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = meanRank;
            start = end + 1;
        }
        return ranks;
    }
}
