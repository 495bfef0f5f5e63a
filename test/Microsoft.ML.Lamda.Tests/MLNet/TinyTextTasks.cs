using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;

namespace Microsoft.ML.Lamda.Tests.MLNet;

/// <summary>A row of a text classification data set.</summary>
public sealed class TopicRow
{
    /// <summary>The text.</summary>
    public string Sentence1 { get; set; } = "";

    /// <summary>The topic name.</summary>
    public string Label { get; set; } = "";
}

/// <summary>A row of a sentence-pair data set with a graded score.</summary>
public sealed class PairRow
{
    /// <summary>First sentence.</summary>
    public string Sentence1 { get; set; } = "";

    /// <summary>Second sentence.</summary>
    public string Sentence2 { get; set; } = "";

    /// <summary>Graded score, 0 to 4.</summary>
    public float Label { get; set; }
}

/// <summary>
/// Tiny random encoder checkpoints (written through the model's own SavePretrained, with a small vocab.txt) and
/// synthetic tasks a tiny model learns in seconds.
/// </summary>
public static class TinyTextTasks
{
    /// <summary>Topic names of the classification task.</summary>
    public static readonly string[] Topics = ["sports", "music", "food"];

    private static readonly string[] TopicWords = ["goal", "match", "team", "song", "guitar", "drum", "bread", "soup", "cheese"];
    private static readonly string[] Fillers = Enumerable.Range(0, 20).Select(i => $"w{i}").ToArray();
    private const string MatchWord = "same";

    /// <summary>Vocabulary of the tiny checkpoints.</summary>
    public static IReadOnlyList<string> Vocabulary { get; } =
        new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", MatchWord }.Concat(TopicWords).Concat(Fillers).ToArray();

    /// <summary>Writes a tiny randomly initialised BERT checkpoint to a new temporary folder and returns its path.</summary>
    public static string WriteCheckpoint(int hiddenSize = 32, int layers = 2, int seed = 1)
    {
        var directory = Directory.CreateTempSubdirectory("lamda-tiny-").FullName;
        var config = EncoderConfig.Parse($$"""
            {"model_type":"bert","vocab_size":{{Vocabulary.Count}},"hidden_size":{{hiddenSize}},"num_hidden_layers":{{layers}},
             "num_attention_heads":2,"intermediate_size":{{2 * hiddenSize}},"max_position_embeddings":128,"num_labels":2}
            """, "tiny test checkpoint");
        TorchSharp.torch.manual_seed(seed);
        using (var model = SequenceClassificationModel.Create(config, new SequenceClassificationModelOptions { Device = "cpu" }))
            model.SavePretrained(directory);
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), Vocabulary);
        return directory;
    }

    /// <summary>Sentences of two to four words of one topic and up to two fillers; the label is the topic.</summary>
    public static List<TopicRow> TopicRows(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<TopicRow>(count);
        for (int i = 0; i < count; i++)
        {
            int topic = random.Next(Topics.Length);
            var words = Enumerable.Range(0, random.Next(0, 3)).Select(_ => Fillers[random.Next(Fillers.Length)]).ToList();
            for (int k = random.Next(2, 5); k > 0; k--)
                words.Insert(random.Next(words.Count + 1), TopicWords[topic * 3 + random.Next(3)]);
            rows.Add(new TopicRow { Sentence1 = string.Join(' ', words), Label = Topics[topic] });
        }
        return rows;
    }

    /// <summary>Pairs whose second sentence holds as many match words as the grade (0 to 4).</summary>
    public static List<PairRow> PairRows(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<PairRow>(count);
        for (int i = 0; i < count; i++)
        {
            int grade = random.Next(5);
            var first = Enumerable.Range(0, random.Next(2, 5)).Select(_ => Fillers[random.Next(Fillers.Length)]);
            var second = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Fillers[random.Next(Fillers.Length)]).Concat(Enumerable.Repeat(MatchWord, grade)).OrderBy(_ => random.Next());
            rows.Add(new PairRow { Sentence1 = string.Join(' ', first), Sentence2 = string.Join(' ', second), Label = grade });
        }
        return rows;
    }
}
