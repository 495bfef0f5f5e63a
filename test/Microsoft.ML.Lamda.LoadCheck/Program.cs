using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

// Usage: Microsoft.ML.Lamda.LoadCheck <model.zip> <texts.tsv> <score column>
// texts.tsv: one row per line, "sentence1<TAB>sentence2". Prints "type=<transformer type>", then one line of
// scores (round-trip format, space separated) per row.
if (args.Length != 3)
{
    Console.Error.WriteLine("Usage: Microsoft.ML.Lamda.LoadCheck <model.zip> <texts.tsv> <score column>");
    return 2;
}

var mlContext = new MLContext(seed: 0);
var model = mlContext.Model.Load(args[0], out _);
Console.WriteLine($"type={model.GetType().FullName}");
var rows = File.ReadAllLines(args[1]).Select(line => line.Split('\t')).Select(parts => new TextPair { Sentence1 = parts[0], Sentence2 = parts[1] });
var scored = model.Transform(mlContext.Data.LoadFromEnumerable(rows));
var scoreColumn = scored.Schema[args[2]];
var lines = scoreColumn.Type is VectorDataViewType
    ? scored.GetColumn<float[]>(scoreColumn).Select(scores => string.Join(' ', scores.Select(s => s.ToString("R", CultureInfo.InvariantCulture))))
    : scored.GetColumn<float>(scoreColumn).Select(score => score.ToString("R", CultureInfo.InvariantCulture));
foreach (var line in lines)
    Console.WriteLine(line);
(model as IDisposable)?.Dispose();
return 0;

/// <summary>Input row: one or two texts.</summary>
internal sealed class TextPair
{
    /// <summary>First sentence.</summary>
    public string Sentence1 { get; set; } = "";

    /// <summary>Second sentence.</summary>
    public string Sentence2 { get; set; } = "";
}
