using System.CommandLine;
using Spectre.Console;

namespace Microsoft.ML.Lamda.Cli;

// Microsoft.ML.Command (a namespace of ML.NET) would hide the type otherwise.
using Command = System.CommandLine.Command;

/// <summary><c>lamda train</c>: fine-tunes a text classifier and saves it as an ML.NET model file.</summary>
internal static class TrainCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var shared = new TrainingOptions();
        var label = new Option<string>("--label") { Description = "Column of the class labels.", Required = true };
        var text = new Option<string>("--text") { Description = "Column of the text to classify.", Required = true };
        var text2 = new Option<string?>("--text2") { Description = "Column of a second text (sentence-pair classification)." };
        var command = new Command("train", "Fine-tune a text classifier (LaMDA by default) and save it as an ML.NET model file.") { label, text, text2 };
        shared.AddTo(command);
        command.SetAction(parse => CommandErrors.Guard(console, () =>
        {
            var output = shared.CheckOutput(parse);
            string labelName = parse.GetValue(label)!, textName = parse.GetValue(text)!;
            string? text2Name = parse.GetValue(text2);
            string[] columns = text2Name is null ? [labelName, textName] : [labelName, textName, text2Name];

            var mlContext = new MLContext(seed: parse.GetValue(shared.Seed));
            var train = TabularFile.Open(parse.GetValue(shared.Data)!.FullName, columns).Load(mlContext, columns);
            var keyMap = mlContext.Transforms.Conversion.MapValueToKey(labelName).Fit(train);
            var keyed = keyMap.Transform(train);
            var validationFile = parse.GetValue(shared.Validation);
            var options = new LamdaTextClassificationTrainer.Options
            {
                LabelColumnName = labelName,
                Sentence1ColumnName = textName,
                Sentence2ColumnName = text2Name,
                ValidationSet = validationFile is null ? null : keyMap.Transform(TabularFile.Open(validationFile.FullName, columns).Load(mlContext, columns)),
            };
            shared.Apply(parse, options);

            var lamda = TrainingDisplay.Run(console, mlContext, progress =>
            {
                options.Progress = progress;
                return mlContext.MulticlassClassification.Trainers.Lamda(options).Fit(keyed);
            });
            var toValue = mlContext.Transforms.Conversion.MapKeyToValue(options.PredictedLabelColumnName).Fit(lamda.Transform(keyed));
            using var model = keyMap.Append(lamda).Append(toValue);
            mlContext.Model.Save(model, train.Schema, output);

            TrainingDisplay.WriteParameterReport(console, lamda.TrainingReport);
            console.MarkupLineInterpolated($"Saved [green]{output}[/] ({lamda.ClassCount} classes).");
        }));
        return command;
    }
}
