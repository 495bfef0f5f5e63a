using System.CommandLine;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary><c>lamda similarity train</c>: fine-tunes a sentence-similarity regressor and saves it.</summary>
internal static class SimilarityTrainCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var shared = new TrainingOptions();
        var text1 = new Option<string>("--text1") { Description = "Column of the first sentence.", DefaultValueFactory = _ => "Sentence1" };
        var text2 = new Option<string>("--text2") { Description = "Column of the second sentence.", DefaultValueFactory = _ => "Sentence2" };
        var score = new Option<string>("--score") { Description = "Column of the similarity (a number, e.g. 0 to 5).", DefaultValueFactory = _ => "Score" };
        var command = new Command("train", "Fine-tune a sentence-similarity model (regression on sentence pairs) and save it.") { text1, text2, score };
        shared.AddTo(command);
        command.SetAction(parse => CommandErrors.Guard(console, () =>
        {
            var output = shared.CheckOutput(parse);
            string first = parse.GetValue(text1)!, second = parse.GetValue(text2)!, label = parse.GetValue(score)!;
            string[] texts = [first, second];
            string[] all = [first, second, label];

            var mlContext = new MLContext(seed: parse.GetValue(shared.Seed));
            var train = TabularFile.Open(parse.GetValue(shared.Data)!.FullName, all).Load(mlContext, texts, [label]);
            var validationFile = parse.GetValue(shared.Validation);
            var validation = validationFile is null ? null : TabularFile.Open(validationFile.FullName, all).Load(mlContext, texts, [label]);
            var options = new LamdaSentenceSimilarityTrainer.Options
            {
                LabelColumnName = label,
                Sentence1ColumnName = first,
                Sentence2ColumnName = second,
                ValidationSet = validation,
            };
            shared.Apply(parse, options);

            using var model = TrainingDisplay.Run(console, mlContext, progress =>
            {
                options.Progress = progress;
                return mlContext.Regression.Trainers.LamdaSentenceSimilarity(options).Fit(train);
            });
            mlContext.Model.Save(model, train.Schema, output);
            TrainingDisplay.WriteParameterReport(console, model.TrainingReport);
            console.MarkupLineInterpolated($"Saved [green]{output}[/].");
        }));
        return command;
    }
}
