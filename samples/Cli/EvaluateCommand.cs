using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Lamda.Training;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary><c>lamda evaluate</c>: scores a labelled file with a saved model and prints the metrics.</summary>
internal static class EvaluateCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = new Option<FileInfo>("--model") { Description = "Model file written by 'lamda train' or 'lamda similarity train'.", Required = true };
        var data = new Option<FileInfo>("--data") { Description = "Labelled data with the columns the model was trained on.", Required = true };
        var command = new Command("evaluate", "Evaluate a saved model on labelled data (classification or sentence similarity).") { model, data };
        command.SetAction(parse => CommandErrors.Guard(console, () =>
        {
            var mlContext = new MLContext(seed: 1);
            using var saved = SavedModel.Load(mlContext, parse.GetValue(model)!.FullName);
            var lamda = saved.Lamda;
            string[] texts = lamda.Sentence2ColumnName is null ? [lamda.Sentence1ColumnName] : [lamda.Sentence1ColumnName, lamda.Sentence2ColumnName];
            string label = saved.Classifier?.LabelColumnName ?? SimilarityLabel(saved);
            var file = TabularFile.Open(parse.GetValue(data)!.FullName, [.. texts, label]);
            if (saved.Classifier is { } classifier)
                EvaluateClassifier(console, mlContext, saved, classifier, file.Load(mlContext, [.. texts, label]));
            else
                EvaluateSimilarity(console, saved, label, file.Load(mlContext, texts, [label]));
        }));
        return command;
    }

    private static void EvaluateClassifier(IAnsiConsole console, MLContext mlContext, SavedModel saved, LamdaTextClassificationTransformer classifier, IDataView data)
    {
        var scored = saved.ScoreForEvaluation(data);
        var metrics = mlContext.MulticlassClassification.Evaluate(scored, classifier.LabelColumnName, classifier.ScoreColumnName, classifier.PredictedLabelColumnName);
        TrainingDisplay.WriteMetrics(console, "Classification metrics",
        [
            ("accuracy", metrics.MicroAccuracy), ("macro-accuracy", metrics.MacroAccuracy),
            ("log-loss", metrics.LogLoss), ("log-loss reduction", metrics.LogLossReduction),
        ]);
        VBuffer<ReadOnlyMemory<char>> keys = default;
        scored.Schema[classifier.LabelColumnName].GetKeyValues(ref keys);
        var classNames = keys.DenseValues().Select(k => k.ToString()).ToList();
        var table = new Table().Title("Per class").AddColumns("class", "recall", "precision");
        for (int i = 0; i < metrics.ConfusionMatrix.PerClassRecall.Count; i++)
            table.AddRow(Markup.Escape(classNames[i]),
                metrics.ConfusionMatrix.PerClassRecall[i].ToString("P1", CultureInfo.InvariantCulture),
                metrics.ConfusionMatrix.PerClassPrecision[i].ToString("P1", CultureInfo.InvariantCulture));
        console.Write(table);
    }

    private static void EvaluateSimilarity(IAnsiConsole console, SavedModel saved, string label, IDataView data)
    {
        var scored = saved.ScoreForEvaluation(data);
        var predicted = new List<double>();
        var truth = new List<double>();
        using (var cursor = scored.GetRowCursor([scored.Schema[saved.Lamda.ScoreColumnName], scored.Schema[label]]))
        {
            var score = cursor.GetGetter<float>(scored.Schema[saved.Lamda.ScoreColumnName]);
            var expected = cursor.GetGetter<float>(scored.Schema[label]);
            float s = 0, e = 0;
            while (cursor.MoveNext())
            {
                expected(ref e);
                if (float.IsNaN(e)) continue;
                score(ref s);
                predicted.Add(s);
                truth.Add(e);
            }
        }
        if (truth.Count < 2) throw new CliException($"Column '{label}' has fewer than two numeric values; cannot evaluate.");
        double rmse = Math.Sqrt(predicted.Zip(truth, (p, t) => (p - t) * (p - t)).Average());
        TrainingDisplay.WriteMetrics(console, $"Sentence-similarity metrics ({truth.Count} pairs)",
        [
            ("Pearson", EvaluationMetrics.Pearson(predicted, truth)), ("Spearman", EvaluationMetrics.Spearman(predicted, truth)),
            ("RMSE", rmse), ("MAE", predicted.Zip(truth, (p, t) => Math.Abs(p - t)).Average()),
        ]);
    }

    /// <summary>The similarity model stores no label name: the input column that is neither sentence.</summary>
    private static string SimilarityLabel(SavedModel saved) =>
        saved.InputSchema.Select(c => c.Name).FirstOrDefault(n => n != saved.Lamda.Sentence1ColumnName && n != saved.Lamda.Sentence2ColumnName)
        ?? throw new CliException("The model's saved input schema has no score column to evaluate against.");
}
