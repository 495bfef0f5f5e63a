using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Lamda.Samples.OnnxScoring;

// dotnet run --project samples/OnnxScoring -- artifacts/quickstart/model.onnx "first text" "a pair<TAB>second text" ...
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: OnnxScoring MODEL.onnx TEXT [TEXT ...]   (a tab separates the two texts of a pair)");
    return 2;
}
using var scorer = new OnnxTextScorer(new MLContext(seed: 1), args[0]);
var rows = args.Skip(1).Select(text => text.Split('\t', 2)).Select(parts => new TextInput { Text1 = parts[0], Text2 = parts.Length > 1 ? parts[1] : null }).ToArray();
foreach (var (row, prediction) in rows.Zip(scorer.Predict(rows)))
{
    var result = prediction.Label is { } label
        ? string.Create(CultureInfo.InvariantCulture, $"{label}\t{prediction.Score.Max():F4}")
        : prediction.Score[0].ToString("F4", CultureInfo.InvariantCulture);
    Console.WriteLine($"{result}\t{row.Text1}{(row.Text2 is null ? "" : "\t" + row.Text2)}");
}
return 0;
