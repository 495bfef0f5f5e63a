using System.CommandLine;

namespace Microsoft.ML.Lamda.Study;

/// <summary>
/// The settings study: runs a plan (one setting and seed at a time), appends each finished run to the results CSV,
/// skips runs already there (so a study can span sessions), and rewrites the markdown table and charts.
/// </summary>
public static class Program
{
    /// <summary>Parses <paramref name="args"/> and runs the study.</summary>
    public static int Main(string[] args)
    {
        var plan = new Option<string>("--plan") { Description = "Plan to run: screen (validation, small), seeds (more seeds of the finalists), relative (relative LaMDA steps, validation, 3 seeds), longer (4 epochs, rank 64), final (test split, once).", DefaultValueFactory = _ => "screen" };
        plan.AcceptOnlyFromAmong(StudyPlan.All.Select(p => p.Name).ToArray());
        var output = new Option<DirectoryInfo>("--output") { Description = "Folder of results.csv, study.md and the charts.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("eng", "Study", "results")) };
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder of debian-sections.*.tsv.", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("samples", "data")) };
        var model = new Option<DirectoryInfo?>("--model") { Description = "Encoder checkpoint folder (default: the one --encoder names)." };
        var encoder = new Option<string>("--encoder") { Description = "Encoder shipped with the project: embedded (lamda-mini-deberta-v3) or minilm (all-MiniLM-L6-v2).", DefaultValueFactory = _ => "embedded" };
        encoder.AcceptOnlyFromAmong("embedded", "minilm");
        var only = new Option<string[]>("--only") { Description = "Run only these settings of the plan.", AllowMultipleArgumentsPerToken = true };
        var seeds = new Option<int[]>("--seeds") { Description = "Run only these seeds of the plan.", AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads") { Description = "libtorch CPU threads (0: libtorch's default). One thread is fastest on a machine shared with other work.", DefaultValueFactory = _ => 0 };
        var reportOnly = new Option<bool>("--report-only") { Description = "Rewrite the table and charts from results.csv without running." };
        var command = new RootCommand("Runs the LaMDA settings study and writes its results table and charts.") { plan, output, data, model, encoder, only, seeds, threads, reportOnly };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) is int count and > 0) TorchSharp.torch.set_num_threads(count);
            var folder = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(folder);
            var file = new StudyResultsFile(Path.Combine(folder, "results.csv"));
            if (!parse.GetValue(reportOnly))
            {
                var chosen = StudyPlan.All.Single(p => p.Name == parse.GetValue(plan));
                var runner = parse.GetValue(model) is { } checkpoint ? new StudyRunner(parse.GetValue(data)!.FullName, checkpoint.FullName)
                    : parse.GetValue(encoder) == "minilm" ? new StudyRunner(parse.GetValue(data)!.FullName, MiniLM.MiniLmEncoder.GetCheckpointFolder(), MiniLM.MiniLmEncoder.Name)
                    : new StudyRunner(parse.GetValue(data)!.FullName, null);
                var names = parse.GetValue(only) is { Length: > 0 } list ? list.ToHashSet() : null;
                var done = file.ReadAll().Select(r => r.Key).ToHashSet();
                var seedFilter = parse.GetValue(seeds) is { Length: > 0 } chosenSeeds ? chosenSeeds.ToHashSet() : null;
                foreach (var seed in chosen.Seeds.Where(s => seedFilter is null || seedFilter.Contains(s)))
                {
                    foreach (var setting in chosen.Settings.Where(s => names is null || names.Contains(s.Name)))
                    {
                        if (done.Contains(StudyResult.KeyOf(chosen, setting, seed, runner.EncoderName)))
                        {
                            Console.WriteLine($"{setting.Name} seed {seed}: already in the results, skipped.");
                            continue;
                        }
                        Console.WriteLine($"{setting.Name} seed {seed}: {setting.Describe()}");
                        StudyResult result;
                        try
                        {
                            result = runner.Run(chosen, setting, seed, Console.Out);
                        }
                        catch (TrainingDivergedException e)
                        {
                            Console.WriteLine($"  diverged: {e.Message}");
                            result = new StudyResult(chosen.Name, setting.Name, seed, chosen.TrainRows, chosen.EvaluationRows, chosen.Epochs, chosen.Split, runner.EncoderName,
                                0, 0, 0, double.NaN, 1, setting.Describe() + " (diverged)");
                        }
                        file.Append(result);
                        Console.WriteLine($"  accuracy {100 * result.Accuracy:F1} % (macro {100 * result.MacroAccuracy:F1} %) in {result.Seconds:F0} s");
                        StudyReport.Write(folder, file.ReadAll());
                    }
                }
            }
            StudyReport.Write(folder, file.ReadAll());
            return 0;
        });
        return command.Parse(args).Invoke();
    }
}
