using System.Globalization;

namespace Microsoft.ML.Lamda.Samples.Quickstart;

/// <summary>The end-of-run summary on the console.</summary>
internal static class ConsoleSummary
{
    public static void Write(TextWriter output, QuickstartResult result)
    {
        output.WriteLine();
        output.WriteLine($"{"model",-40} {"accuracy",9} {"macro-acc",9} {"log-loss",9} {"train time",10}");
        foreach (var scores in new[] { result.Lamda, result.Classic })
        {
            var m = scores.Metrics;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{scores.Name,-40} {m.MicroAccuracy,9:P1} {m.MacroAccuracy,9:P1} {m.LogLoss,9:F3} {scores.TrainingTime,10:mm\\:ss\\.f}"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"majority class",-40} {result.MajorityAccuracy,9:P1}"));
        output.WriteLine();
        output.WriteLine($"Per-class recall ({result.Lamda.Name}):");
        var recall = result.Lamda.Metrics.ConfusionMatrix.PerClassRecall;
        for (int i = 0; i < recall.Count; i++)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {result.Lamda.ClassNames[i],-10} {recall[i],7:P1}"));
        output.WriteLine();
        output.WriteLine("The reloaded model.zip predicts:");
        foreach (var (description, section, probability) in result.Predictions)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {section,-10} {probability,6:P0}  {Shorten(description)}"));
        output.WriteLine();
        output.WriteLine($"Model:  {Path.GetFullPath(result.ModelPath)}");
        output.WriteLine($"ONNX:   {Path.GetFullPath(result.OnnxPath)} (for ONNX Runtime; tokenizer files and model.onnx.json beside it)");
        output.WriteLine($"Report: {Path.GetFullPath(result.ReportPath)}");
    }

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..67] + "...";
}
