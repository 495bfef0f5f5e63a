using System.Globalization;

namespace Microsoft.ML.Lamda.Study;

/// <summary>One finished run.</summary>
public sealed record StudyResult(string Plan, string Setting, int Seed, int TrainRows, int EvaluationRows, int Epochs, string Split, string Encoder,
    double Accuracy, double MacroAccuracy, double Seconds, double LearningRate, int Warnings, string Description)
{
    /// <summary>CSV header.</summary>
    public const string Header = "plan,setting,seed,train_rows,eval_rows,epochs,split,encoder,accuracy,macro_accuracy,seconds,learning_rate,warnings,description";

    /// <summary>What identifies a run: a run with the same key is not run again.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Setting}|{Seed}|{TrainRows}|{EvaluationRows}|{Epochs}|{Split}|{Encoder}");

    /// <summary>The key of a run not yet made.</summary>
    public static string KeyOf(StudyPlan plan, StudySetting setting, int seed, string encoder)
        => string.Create(CultureInfo.InvariantCulture, $"{setting.Name}|{seed}|{plan.TrainRows}|{plan.EvaluationRows}|{plan.Epochs}|{plan.Split}|{encoder}");

    /// <summary>The CSV line (the description last, quoted).</summary>
    public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
        $"{Plan},{Setting},{Seed},{TrainRows},{EvaluationRows},{Epochs},{Split},{Encoder},{Accuracy:F4},{MacroAccuracy:F4},{Seconds:F1},{LearningRate:G4},{Warnings},\"{Description.Replace("\"", "'", StringComparison.Ordinal)}\"");

    /// <summary>Parses a line written by <see cref="ToCsv"/>.</summary>
    public static StudyResult Parse(string line)
    {
        int quote = line.IndexOf(",\"", StringComparison.Ordinal);
        var f = line[..quote].Split(',');
        if (f.Length != 13) throw new FormatException($"Results line has {f.Length + 1} fields, expected 14: '{line}'.");
        double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        int I(string s) => int.Parse(s, CultureInfo.InvariantCulture);
        return new StudyResult(f[0], f[1], I(f[2]), I(f[3]), I(f[4]), I(f[5]), f[6], f[7], D(f[8]), D(f[9]), D(f[10]), D(f[11]), I(f[12]), line[(quote + 2)..^1]);
    }
}

/// <summary>The results CSV: read what is there, append each finished run at once (so an interrupted study resumes).</summary>
public sealed class StudyResultsFile(string path)
{
    /// <summary>Every run recorded so far.</summary>
    public List<StudyResult> ReadAll()
        => File.Exists(path) ? File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(StudyResult.Parse).ToList() : [];

    /// <summary>Appends one run.</summary>
    public void Append(StudyResult result)
    {
        if (!File.Exists(path)) File.WriteAllText(path, StudyResult.Header + "\n");
        File.AppendAllText(path, result.ToCsv() + "\n");
    }
}
