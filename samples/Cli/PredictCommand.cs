using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Data;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>lamda predict</c>: reads texts from standard input, one per line (a tab between the two sentences of a
/// pair), and prints each prediction: <c>label&lt;TAB&gt;probability</c>, or the similarity score.
/// </summary>
internal static class PredictCommand
{
    private sealed class TextRow
    {
        public string Text1 { get; set; } = "";
        public string Text2 { get; set; } = "";
    }

    public static Command Create(IAnsiConsole console, TextReader input, bool interactiveInput)
    {
        var model = new Option<FileInfo>("--model") { Description = "Model file written by 'lamda train' or 'lamda similarity train'.", Required = true };
        var command = new Command("predict", "Predict for each line of standard input (a tab between the sentences of a pair).") { model };
        command.SetAction(parse => CommandErrors.Guard(console, () =>
        {
            var mlContext = new MLContext(seed: 1);
            using var saved = SavedModel.Load(mlContext, parse.GetValue(model)!.FullName);
            if (interactiveInput)
                console.MarkupLine("[grey]Type a text per line (a tab between the sentences of a pair); end with Ctrl+D.[/]");
            // Typed lines are answered one by one; piped input is scored in batches.
            var batch = new List<string>();
            for (string? line = input.ReadLine(); line is not null; line = input.ReadLine())
            {
                if (line.Length == 0) continue;
                batch.Add(line);
                if (interactiveInput || batch.Count == 256) Flush(console, mlContext, saved, batch);
            }
            Flush(console, mlContext, saved, batch);
        }));
        return command;
    }

    private static void Flush(IAnsiConsole console, MLContext mlContext, SavedModel saved, List<string> lines)
    {
        if (lines.Count == 0) return;
        var lamda = saved.Lamda;
        bool pairs = lamda.Sentence2ColumnName is not null;
        var rows = lines.Select((line, number) =>
        {
            if (!pairs) return new TextRow { Text1 = line };
            var parts = line.Split('\t', 2);
            if (parts.Length < 2) throw new CliException($"Input line '{line}' has no tab: this model scores pairs of sentences, one pair per line with a tab between them.");
            return new TextRow { Text1 = parts[0], Text2 = parts[1] };
        }).ToList();
        var definition = SchemaDefinition.Create(typeof(TextRow));
        definition[nameof(TextRow.Text1)].ColumnName = lamda.Sentence1ColumnName;
        definition[nameof(TextRow.Text2)].ColumnName = lamda.Sentence2ColumnName ?? "__lamda_unused_text2";
        var scored = saved.Predict(mlContext.Data.LoadFromEnumerable(rows, definition));

        using var cursor = scored.GetRowCursor(scored.Schema);
        if (saved.Classifier is { } classifier)
        {
            var label = cursor.GetGetter<ReadOnlyMemory<char>>(scored.Schema[classifier.PredictedLabelColumnName]);
            var score = cursor.GetGetter<VBuffer<float>>(scored.Schema[classifier.ScoreColumnName]);
            ReadOnlyMemory<char> name = default;
            VBuffer<float> probabilities = default;
            while (cursor.MoveNext())
            {
                label(ref name);
                score(ref probabilities);
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{probabilities.DenseValues().Max():F4}"));
            }
        }
        else
        {
            var score = cursor.GetGetter<float>(scored.Schema[lamda.ScoreColumnName]);
            float value = 0;
            while (cursor.MoveNext())
            {
                score(ref value);
                console.WriteLine(value.ToString("F4", CultureInfo.InvariantCulture));
            }
        }
        lines.Clear();
    }
}
