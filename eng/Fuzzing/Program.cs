using System.CommandLine;
using Microsoft.ML.Lamda.Fuzzing;

// Long run, e.g.: nice -n 10 dotnet run --project eng/Fuzzing -c Release -- --seed 13 --minutes 20 --work artifacts/fuzzing
var seedOption = new Option<int>("--seed") { Description = "Seed of the mutations.", DefaultValueFactory = _ => 13 };
var minutesOption = new Option<double>("--minutes") { Description = "Time budget in minutes.", DefaultValueFactory = _ => 20 };
var inputsOption = new Option<int>("--inputs") { Description = "Inputs at most.", DefaultValueFactory = _ => int.MaxValue };
var workOption = new Option<string>("--work") { Description = "Folder for seeds, inputs and reproducers of findings.", DefaultValueFactory = _ => "artifacts/fuzzing" };
var targetOption = new Option<string[]>("--target") { Description = $"Targets (default: all): {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}.", AllowMultipleArgumentsPerToken = true };
var timeoutOption = new Option<double>("--input-timeout") { Description = "Seconds after which an input counts as a hang.", DefaultValueFactory = _ => 60 };

var root = new RootCommand("Feeds mutated files to every reader of Microsoft.ML.Lamda and reports outcomes other than the documented exceptions.")
{
    seedOption, minutesOption, inputsOption, workOption, targetOption, timeoutOption,
};
root.SetAction(parse =>
{
    var settings = new FuzzSettings(parse.GetValue(seedOption), parse.GetValue(inputsOption), TimeSpan.FromMinutes(parse.GetValue(minutesOption)),
        Path.GetFullPath(parse.GetValue(workOption)!), parse.GetValue(targetOption) ?? [], TimeSpan.FromSeconds(parse.GetValue(timeoutOption)));
    Directory.CreateDirectory(settings.WorkDirectory);
    var report = FuzzRunner.Run(settings, line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"));
    Console.WriteLine($"seed {settings.Seed}: {report.TotalInputs} inputs in {report.Elapsed:hh\\:mm\\:ss}, {report.Findings.Count} finding(s)");
    Console.WriteLine("| target | inputs | accepted | rejected (documented exception) | findings |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (var (target, inputs) in report.Inputs.OrderBy(p => p.Key))
        Console.WriteLine($"| {target} | {inputs} | {report.Accepted.GetValueOrDefault(target)} | {report.Rejected.GetValueOrDefault(target)} | {report.Findings.Count(f => f.Target == target)} |");
    foreach (var finding in report.Findings)
        Console.WriteLine($"- {finding.Target} {finding.File} ({finding.Mutation}): {finding.Problem} [{finding.Reproducer}]");
    return report.Findings.Count == 0 ? 0 : 1;
});
return root.Parse(args).Invoke();
