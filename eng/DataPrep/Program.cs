using System.CommandLine;
using System.Globalization;
using Microsoft.ML.Lamda.DataPrep;

// Builds samples/data (classification and similarity sets) and the pretraining corpus from the Debian
// archive's English package descriptions. eng/DataPrep/build-data.sh runs it with its defaults.
var packagesOption = new Option<string[]>("--packages")
{
    Description = "Packages index files (plain or as apt stores them: .lz4/.xz/.gz). Default: those 'apt-get indextargets' lists.",
    AllowMultipleArgumentsPerToken = true,
};
var translationsOption = new Option<string[]>("--translations")
{
    Description = "Translation-en index files. Default: those 'apt-get indextargets -o Acquire::Languages=en' lists.",
    AllowMultipleArgumentsPerToken = true,
};
var outputOption = new Option<string>("--output") { Description = "Folder of the data set files.", DefaultValueFactory = _ => "samples/data" };
var corpusOption = new Option<string>("--corpus") { Description = "Pretraining corpus file to write.", DefaultValueFactory = _ => "artifacts/pretraining/corpus.txt" };
var sectionsOption = new Option<int>("--sections") { Description = "Number of (largest) sections kept as classes.", DefaultValueFactory = _ => 10 };
var trainPerSectionOption = new Option<int>("--train-per-section") { Description = "Most training rows per class.", DefaultValueFactory = _ => 600 };
var evalPerSectionOption = new Option<int>("--eval-per-section") { Description = "Most validation rows, and test rows, per class.", DefaultValueFactory = _ => 100 };
var pairsOption = new Option<int>("--similarity-train-pairs") { Description = "Training pairs of the similarity set.", DefaultValueFactory = _ => 3000 };
var evalPairsOption = new Option<int>("--similarity-eval-pairs") { Description = "Validation pairs, and test pairs, of the similarity set.", DefaultValueFactory = _ => 500 };
var minTagsOption = new Option<int>("--min-tags") { Description = "Fewest debtags a description needs to enter the similarity set.", DefaultValueFactory = _ => 3 };
var maxCharsOption = new Option<int>("--max-chars") { Description = "Length cap of a data set text.", DefaultValueFactory = _ => 600 };
var minCharsOption = new Option<int>("--min-chars") { Description = "Shortest data set text (drops one-line stubs).", DefaultValueFactory = _ => 60 };
var corpusMaxCharsOption = new Option<int>("--corpus-max-chars") { Description = "Length cap of a corpus line.", DefaultValueFactory = _ => 2000 };
var seedOption = new Option<int>("--seed") { Description = "Seed of the similarity pair sampling.", DefaultValueFactory = _ => 20240601 };

var root = new RootCommand("Builds the bundled data sets and the pretraining corpus from Debian package descriptions.")
{
    packagesOption, translationsOption, outputOption, corpusOption, sectionsOption, trainPerSectionOption, evalPerSectionOption,
    pairsOption, evalPairsOption, minTagsOption, maxCharsOption, minCharsOption, corpusMaxCharsOption, seedOption,
};
root.SetAction(parse =>
{
    var packagesFiles = parse.GetValue(packagesOption) ?? [];
    var translationFiles = parse.GetValue(translationsOption) ?? [];
    if (packagesFiles.Length == 0 || translationFiles.Length == 0)
    {
        (var discoveredPackages, var discoveredTranslations) = AptIndexFiles.Discover();
        packagesFiles = packagesFiles.Length > 0 ? packagesFiles : [.. discoveredPackages];
        translationFiles = translationFiles.Length > 0 ? translationFiles : [.. discoveredTranslations];
    }

    var packages = DebianArchive.Load(
        packagesFiles.Select(f => (f, AptIndexFiles.Open(f))),
        translationFiles.Select(f => (f, AptIndexFiles.Open(f))),
        Console.WriteLine);
    var maxChars = parse.GetValue(maxCharsOption);
    var splitter = SourceSplitter.Create(packages, maxChars);
    var minChars = parse.GetValue(minCharsOption);
    var groups = splitter.Groups.Where(g => g.Text.Length >= minChars).ToArray();
    Console.WriteLine($"{packages.Count} packages, {splitter.Groups.Count} distinct texts, {groups.Length} of at least {minChars} characters");

    var output = parse.GetValue(outputOption)!;
    Directory.CreateDirectory(output);
    var classification = ClassificationSetBuilder.Build(
        groups, parse.GetValue(sectionsOption), parse.GetValue(trainPerSectionOption), parse.GetValue(evalPerSectionOption));
    Console.WriteLine($"classes: {string.Join(", ", classification.Sections)}");
    foreach (var (name, rows) in new[] { ("train", classification.Train), ("validation", classification.Validation), ("test", classification.Test) })
    {
        var path = Path.Combine(output, $"debian-sections.{name}.tsv");
        TsvFile.Write(path, ["Section", "Description", "Package"], rows.Select(r => new[] { r.Section, r.Description, r.Package }));
        var counts = rows.GroupBy(r => r.Section).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"{path}: {rows.Count} rows ({string.Join(", ", counts)})");
    }

    var seed = parse.GetValue(seedOption);
    var minTags = parse.GetValue(minTagsOption);
    foreach (var (split, count) in new[] { (DataSplit.Train, parse.GetValue(pairsOption)), (DataSplit.Validation, parse.GetValue(evalPairsOption)), (DataSplit.Test, parse.GetValue(evalPairsOption)) })
    {
        var pairs = SimilaritySetBuilder.Build(groups.Where(g => g.Split == split).ToArray(), count, minTags, seed + (int)split);
        var path = Path.Combine(output, $"debian-similarity.{split.ToString().ToLowerInvariant()}.tsv");
        TsvFile.Write(path, ["Sentence1", "Sentence2", "Score"], pairs.Select(p => new[] { p.Sentence1, p.Sentence2, p.Score.ToString("0.00", CultureInfo.InvariantCulture) }));
        var bins = pairs.GroupBy(p => SimilaritySetBuilder.Bin(p.Score)).OrderBy(g => g.Key).Select(g => $"bin {g.Key} {g.Count()}");
        Console.WriteLine($"{path}: {pairs.Count} pairs ({string.Join(", ", bins)})");
    }

    var corpusPath = parse.GetValue(corpusOption)!;
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(corpusPath))!);
    var corpus = PretrainingCorpusBuilder.Build(packages, splitter, parse.GetValue(corpusMaxCharsOption));
    File.WriteAllLines(corpusPath, corpus);
    Console.WriteLine($"{corpusPath}: {corpus.Count} lines, {new FileInfo(corpusPath).Length} bytes");
    return 0;
});
return root.Parse(args).Invoke();
