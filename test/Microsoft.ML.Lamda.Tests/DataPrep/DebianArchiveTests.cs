using Microsoft.ML.Lamda.DataPrep;

namespace Microsoft.ML.Lamda.Tests.DataPrep;

public class DebianArchiveTests
{
    [Fact]
    public void Load_JoinsPackagesWithTranslationsByDescriptionMd5()
    {
        var packages = DebianArchive.Load(
            [("Packages", new StringReader(DebianIndexSnippets.Packages))],
            [("Translation-en", new StringReader(DebianIndexSnippets.Translations))]);

        // "orphan" has no English description and is left out.
        Assert.Equal(["0ad", "0ad-data-common"], packages.Select(p => p.Name));
        var game = packages[0];
        Assert.Equal("0ad", game.Source);
        Assert.Equal("games", game.Section);
        Assert.Equal(["game::strategy", "interface::graphical", "interface::x11", "role::program", "uitoolkit::sdl", "use::gameplaying"], game.Tags);
        Assert.Equal(
            "Real-time strategy game of ancient warfare. 0 A.D. is a free, open-source, cross-platform real-time strategy (RTS) game. It is historically based.",
            game.Description);

        var data = packages[1];
        Assert.Equal("0ad-data", data.Source);
        Assert.Empty(data.Tags);
    }

    [Fact]
    public void Load_NamesTheFileAndPackageOfAStanzaWithoutDescriptionMd5()
    {
        var error = Assert.Throws<FormatException>(() => DebianArchive.Load(
            [("bad-Packages", new StringReader("Package: broken\nSection: utils\n"))],
            [("Translation-en", new StringReader(DebianIndexSnippets.Translations))]));

        Assert.Contains("bad-Packages", error.Message);
        Assert.Contains("broken", error.Message);
        Assert.Contains("Description-md5", error.Message);
    }

    [Fact]
    public void ReadStanzas_RejectsALineThatIsNoField()
    {
        var error = Assert.Throws<FormatException>(() =>
            ControlFileReader.ReadStanzas(new StringReader("Package: a\nnot a field\n"), "Packages").ToList());

        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void Truncate_CutsAtTheLastSpaceWithinTheCap()
    {
        Assert.Equal("alpha beta", DescriptionText.Truncate("alpha beta gamma", 12));
        Assert.Equal("alpha beta gamma", DescriptionText.Truncate("alpha beta gamma", 16));
        Assert.Equal("abcde", DescriptionText.Truncate("abcdefghij", 5));
    }
}
