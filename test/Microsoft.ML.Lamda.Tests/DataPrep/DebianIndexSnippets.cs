using System.Text;
using Microsoft.ML.Lamda.DataPrep;

namespace Microsoft.ML.Lamda.Tests.DataPrep;

/// <summary>Hand-written and generated Packages / Translation-en snippets for the data preparation tests.</summary>
internal static class DebianIndexSnippets
{
    /// <summary>The number of source-package pairs that share a description in <see cref="GeneratedArchive"/>.</summary>
    public const int TwinCount = 20;

    public const string Packages = """
        Package: 0ad
        Version: 0.0.26-3
        Description: Real-time strategy game of ancient warfare
        Description-md5: d943033bedada21853d2ae54a2578a7b
        Tag: game::strategy, interface::graphical, interface::x11, role::program,
         uitoolkit::sdl, use::gameplaying
        Section: contrib/games

        Package: 0ad-data-common
        Source: 0ad-data (0.0.26-1)
        Description: Real-time strategy game of ancient warfare (common data files)
        Description-md5: 8d014b839c4c4e9b6f82c7512d7e3496
        Section: games

        Package: orphan
        Description-md5: 00000000000000000000000000000000
        Section: utils

        """;

    public const string Translations = """
        Package: 0ad
        Description-md5: d943033bedada21853d2ae54a2578a7b
        Description-en: Real-time strategy game of ancient warfare
         0 A.D. is a free, open-source, cross-platform
         real-time strategy (RTS)	game.
         .
         It is historically based.

        Package: 0ad-data-common
        Description-md5: 8d014b839c4c4e9b6f82c7512d7e3496
        Description-en: Real-time strategy game of ancient warfare (common data files)
         This package contains the common data files.

        """;

    /// <summary>
    /// An archive of <paramref name="sourceCount"/> source packages with three binary packages each: a library
    /// and a -dev package (sharing one description, so de-duplication has work to do) and a tool. Sections:
    /// libs, libdevel, utils, and "games" for every tenth tool (the smallest section). Tags are drawn from a
    /// small vocabulary so the similarity scores spread over the whole range. Adds <see cref="TwinCount"/>
    /// pairs of sources that share a description.
    /// </summary>
    public static IReadOnlyList<DebianPackage> GeneratedArchive(int sourceCount)
    {
        var packages = new StringBuilder();
        var translations = new StringBuilder();
        var md5 = 0;
        void Add(string name, string source, string section, string tags, string description)
        {
            var key = (md5++).ToString("x32");
            packages.Append($"Package: {name}\nSource: {source}\nDescription-md5: {key}\nTag: {tags}\nSection: {section}\n\n");
            translations.Append($"Package: {name}\nDescription-md5: {key}\nDescription-en: {description}\n\n");
        }

        string[] vocabulary = ["role::program", "role::shared-lib", "devel::library", "interface::commandline", "use::editing", "works-with::text", "scope::utility", "implemented-in::c"];
        for (var s = 0; s < sourceCount; s++)
        {
            var source = $"src{s:D3}";
            var tags = string.Join(", ", vocabulary.Where((_, i) => ((s * 7 + i * 3) % 5) < 2 + s % 3));
            var shared = $"Library number {s} for tests\n handles the parsing of format {s} quickly and well.";
            Add($"lib{source}1", source, "libs", tags, shared);
            Add($"lib{source}-dev", source, "libdevel", tags, shared);
            Add($"{source}-tool", source, s % 10 == 0 ? "games" : "utils", tags, $"Tool number {s} for tests\n converts files of format {s} into other formats.");
        }

        // Pairs of sources that share one description: each pair must land in one split.
        for (var t = 0; t < TwinCount; t++)
        {
            Add($"twin{t}-a", $"twin{t}-source-a", "utils", "role::program, scope::utility, use::editing", $"Twin tool {t}\n shared by two source packages.");
            Add($"twin{t}-b", $"twin{t}-source-b", "utils", "role::program, scope::utility, use::editing", $"Twin tool {t}\n shared by two source packages.");
        }

        return DebianArchive.Load(
            [("Packages", new StringReader(packages.ToString()))],
            [("Translation-en", new StringReader(translations.ToString()))]);
    }
}
