using Microsoft.ML.Lamda.DataPrep;

namespace Microsoft.ML.Lamda.Tests.DataPrep;

public class DataSetBuilderTests
{
    private const int MaxChars = 600;

    private readonly IReadOnlyList<DebianPackage> _packages = DebianIndexSnippets.GeneratedArchive(sourceCount: 120);

    [Fact]
    public void SourceSplitter_KeepsEverySourceAndEveryTextOnOneSide()
    {
        var splitter = SourceSplitter.Create(_packages, MaxChars);

        // The library and its -dev package share a description: one text, one group.
        Assert.Equal(_packages.Select(p => p.Description).Distinct().Count(), splitter.Groups.Count);
        Assert.Equal(splitter.Groups.Count, splitter.Groups.Select(g => g.Text).Distinct().Count());
        foreach (var source in _packages.GroupBy(p => p.Source))
        {
            Assert.Single(source.Select(splitter.SplitOf).Distinct());
        }

        // Sources linked by a shared description share a split even though their names hash differently
        // (with 20 pairs, unlinked sources would almost surely split some pair).
        var twins = _packages.Where(p => p.Name.StartsWith("twin", StringComparison.Ordinal)).GroupBy(p => p.Description).ToArray();
        Assert.Equal(DebianIndexSnippets.TwinCount, twins.Length);
        Assert.All(twins, pair => Assert.Single(pair.Select(splitter.SplitOf).Distinct()));
        Assert.All(Enum.GetValues<DataSplit>(), split => Assert.Contains(splitter.Groups, g => g.Split == split));
    }

    [Fact]
    public void Classification_KeepsTheLargestSectionsDeduplicatedAndCapped()
    {
        var splitter = SourceSplitter.Create(_packages, MaxChars);
        var set = ClassificationSetBuilder.Build(splitter.Groups, sectionCount: 2, trainPerSection: 30, evalPerSection: 5);

        // A library and its -dev package share one text, labelled by the ordinal tie-break "libdevel" < "libs":
        // libdevel (120 texts) and utils (108 tools + 20 twin texts) beat games (12) and libs (none left).
        Assert.Equal(["libdevel", "utils"], set.Sections.Order());
        var all = set.Train.Concat(set.Validation).Concat(set.Test).ToArray();
        Assert.All(all, row => Assert.Contains(row.Section, set.Sections));
        Assert.Equal(all.Length, all.Select(r => r.Description).Distinct().Count());
        Assert.All(set.Train.GroupBy(r => r.Section), g => Assert.Equal(30, g.Count()));
        Assert.All(set.Test.GroupBy(r => r.Section), g => Assert.True(g.Count() <= 5));

        var splitOfText = splitter.Groups.ToDictionary(g => g.Text, g => g.Split);
        Assert.All(set.Train, r => Assert.Equal(DataSplit.Train, splitOfText[r.Description]));
        Assert.All(set.Validation, r => Assert.Equal(DataSplit.Validation, splitOfText[r.Description]));
        Assert.All(set.Test, r => Assert.Equal(DataSplit.Test, splitOfText[r.Description]));
    }

    [Theory]
    [InlineData(new[] { "a", "b", "c" }, new[] { "b", "c", "d" }, 2.5)]
    [InlineData(new[] { "a", "b" }, new[] { "a", "b" }, 5.0)]
    [InlineData(new[] { "a" }, new[] { "b", "c" }, 0.0)]
    [InlineData(new[] { "a", "b", "c", "d", "e" }, new[] { "a" }, 1.0)]
    public void SimilarityScore_IsFiveTimesTheJaccardOverlap(string[] a, string[] b, double expected) =>
        Assert.Equal(expected, SimilaritySetBuilder.Score(a, b), precision: 12);

    [Fact]
    public void Similarity_PairsTextsOfOneSplitWithTheirTagOverlap()
    {
        var splitter = SourceSplitter.Create(_packages, MaxChars);
        var train = splitter.Groups.Where(g => g.Split == DataSplit.Train).ToArray();
        var tagsOfText = train.ToDictionary(g => g.Text, g => g.Tags);

        var pairs = SimilaritySetBuilder.Build(train, pairCount: 40, minTags: 2, seed: 7);

        Assert.NotEmpty(pairs);
        Assert.All(pairs, p =>
        {
            Assert.InRange(p.Score, 0.0, 5.0);
            Assert.NotEqual(p.Sentence1, p.Sentence2);
            Assert.InRange(Math.Abs(SimilaritySetBuilder.Score(tagsOfText[p.Sentence1], tagsOfText[p.Sentence2]) - p.Score), 0.0, 0.005 + 1e-9); // stored to two decimals
        });
        Assert.All(pairs.GroupBy(p => SimilaritySetBuilder.Bin(p.Score)), bin => Assert.True(bin.Count() <= 8));
        Assert.Equal(pairs.Count, pairs.Select(p => (p.Sentence1, p.Sentence2)).Distinct().Count());
        Assert.Equal(pairs, SimilaritySetBuilder.Build(train, pairCount: 40, minTags: 2, seed: 7));
    }

    [Fact]
    public void Corpus_HoldsTrainingTextsAndNoEvaluationText()
    {
        var splitter = SourceSplitter.Create(_packages, MaxChars);
        var corpus = PretrainingCorpusBuilder.Build(_packages, splitter, maxChars: 2000);
        var evaluation = splitter.Groups.Where(g => g.Split != DataSplit.Train).Select(g => g.Text).ToArray();
        var training = splitter.Groups.Where(g => g.Split == DataSplit.Train).Select(g => g.Text).ToArray();

        Assert.NotEmpty(evaluation);
        Assert.DoesNotContain(corpus, line => evaluation.Any(text => line.StartsWith(text, StringComparison.Ordinal)));
        Assert.All(training, text => Assert.Contains(text, corpus));
        Assert.Equal(corpus.Count, corpus.Distinct().Count());
    }
}
