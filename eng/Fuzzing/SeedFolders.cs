using System.Text.Json;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using TorchSharp.Modules;
using AdamW = Microsoft.ML.Lamda.Training.AdamW;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Fuzzing;

/// <summary>
/// Writes the valid files that the fuzzer mutates, each set in a folder of its own: a tiny BERT checkpoint with a
/// WordPiece tokenizer and its side files, the same weights sharded with an index, a byte-level BPE tokenizer, the
/// embedded encoder's SentencePiece tokenizer, a training checkpoint, a model.zip saved by ML.NET, and the BERT
/// exported to ONNX (weights inside model.onnx, or in external data beside it).
/// </summary>
public static class SeedFolders
{
    /// <summary>Tiny BERT checkpoint: config.json, model.safetensors, vocab.txt and tokenizer side files.</summary>
    public const string Bert = "bert";

    /// <summary>The same weights in two shards with model.safetensors.index.json.</summary>
    public const string Sharded = "sharded";

    /// <summary>vocab.json, merges.txt and tokenizer_config.json of a byte-level BPE tokenizer.</summary>
    public const string Bpe = "bpe";

    /// <summary>The embedded encoder's spm.model with its side files.</summary>
    public const string SentencePiece = "spm";

    /// <summary>A training checkpoint folder holding epoch-0001.</summary>
    public const string TrainingCheckpoint = "training-checkpoint";

    /// <summary>The tiny BERT exported to model.onnx by our own exporter (weights inside the file).</summary>
    public const string Onnx = "onnx";

    /// <summary>The same model.onnx with its weights in external data (weights.bin beside it).</summary>
    public const string OnnxExternal = "onnx-external";

    /// <summary>model.zip of a fitted LaMDA text classifier.</summary>
    public const string ModelZip = "model-zip";

    /// <summary>Words of the tiny vocabulary.</summary>
    public static readonly string[] Vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "goal", "song", "soup", "the", "##s", ".", ","];

    /// <summary>Tensor shapes of the training checkpoint seed, by name.</summary>
    public static readonly IReadOnlyDictionary<string, long[]> CheckpointShapes = new Dictionary<string, long[]> { ["w"] = [4, 3], ["b"] = [3] };

    /// <summary>Writes every seed folder under <paramref name="root"/>.</summary>
    public static void WriteAll(string root)
    {
        torch.manual_seed(13);
        WriteBert(Path.Combine(root, Bert));
        WriteSharded(Path.Combine(root, Bert), Path.Combine(root, Sharded));
        WriteBpe(Path.Combine(root, Bpe));
        WriteSentencePiece(Path.Combine(root, SentencePiece));
        WriteTrainingCheckpoint(Path.Combine(root, TrainingCheckpoint));
        WriteModelZip(Path.Combine(root, Bert), Path.Combine(root, ModelZip));
        WriteOnnx(Path.Combine(root, Bert), Path.Combine(root, Onnx), externalData: false);
        WriteOnnx(Path.Combine(root, Bert), Path.Combine(root, OnnxExternal), externalData: true);
    }

    private static void WriteOnnx(string bert, string folder, bool externalData)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "model.onnx");
        using (var model = SequenceClassificationModel.FromPretrained(bert, new SequenceClassificationModelOptions { Device = "cpu" }))
            model.ExportToOnnx(path);
        File.Copy(Path.Combine(bert, "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        if (!externalData) return;
        var onnx = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        using (var data = File.Create(Path.Combine(folder, "weights.bin")))
        {
            foreach (var tensor in onnx.Graph.Initializer.Where(t => t.RawData.Length > 64))
            {
                tensor.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "location", Value = "weights.bin" });
                tensor.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "offset", Value = data.Position.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                tensor.ExternalData.Add(new global::Onnx.StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                tensor.RawData.WriteTo(data);
                tensor.DataLocation = global::Onnx.TensorProto.Types.DataLocation.External;
                tensor.RawData = Google.Protobuf.ByteString.Empty;
            }
        }
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(onnx));
    }

    /// <summary>The training checkpoint seed's parameters, zero-filled, for reading a checkpoint into.</summary>
    public static List<(string Name, Parameter Parameter)> CheckpointParameters() =>
        CheckpointShapes.Select(pair => (pair.Key, new Parameter(zeros(pair.Value)))).ToList();

    private static void WriteBert(string folder)
    {
        Directory.CreateDirectory(folder);
        var config = EncoderConfig.Parse($$"""
            {"model_type":"bert","vocab_size":{{Vocabulary.Length}},"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,
             "intermediate_size":16,"max_position_embeddings":32,"num_labels":2,"id2label":{"0":"no","1":"yes"} }
            """, "fuzzing seed");
        using (var model = SequenceClassificationModel.Create(config, new SequenceClassificationModelOptions { Device = "cpu" }))
            model.SavePretrained(folder);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), Vocabulary);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case": true, "model_max_length": 32, "unk_token": "[UNK]", "tokenize_chinese_chars": true}""");
        File.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), """{"cls_token": "[CLS]", "sep_token": {"content": "[SEP]"}, "pad_token": "[PAD]", "mask_token": "[MASK]"}""");
        File.WriteAllText(Path.Combine(folder, "added_tokens.json"), """{"[MASK]": 4}""");
    }

    private static void WriteSharded(string bert, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(bert).Where(f => Path.GetFileName(f) != CheckpointWeights.SafetensorsFileName))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        using var reader = SafetensorsReader.Open(Path.Combine(bert, CheckpointWeights.SafetensorsFileName));
        var keys = reader.Tensors.Keys.ToList();
        var shards = new[] { keys.Take(keys.Count / 2).ToList(), keys.Skip(keys.Count / 2).ToList() };
        var weightMap = new Dictionary<string, string>();
        for (int s = 0; s < shards.Length; s++)
        {
            var name = $"model-{s + 1:D5}-of-{shards.Length:D5}.safetensors";
            var tensors = shards[s].Select(key => new KeyValuePair<string, Tensor>(key, reader.Read(key))).ToList();
            SafetensorsWriter.Write(Path.Combine(folder, name), tensors);
            foreach (var (key, tensor) in tensors)
            {
                weightMap[key] = name;
                tensor.Dispose();
            }
        }
        File.WriteAllText(Path.Combine(folder, CheckpointWeights.IndexFileName), JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));
    }

    private static void WriteBpe(string folder)
    {
        Directory.CreateDirectory(folder);
        var vocabulary = new Dictionary<string, int> { ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3 };
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            vocabulary[((char)(printable ? b : 256 + shifted++)).ToString()] = 4 + b;
        }
        string[] merges = ["Ġ t", "h e", "Ġt he", "l o", "lo w"];
        foreach (var merge in merges) vocabulary[merge.Replace(" ", "")] = vocabulary.Count;
        vocabulary["<mask>"] = vocabulary.Count;
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(vocabulary));
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n" + string.Join("\n", merges) + "\n");
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"add_prefix_space": false, "model_max_length": 512, "bos_token": "<s>", "unk_token": "<unk>"}""");
    }

    private static void WriteSentencePiece(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { "spm.model", "tokenizer_config.json", "special_tokens_map.json" })
            File.Copy(Path.Combine(DefaultEncoder.Directory, name), Path.Combine(folder, name));
    }

    private static void WriteTrainingCheckpoint(string folder)
    {
        var parameters = CheckpointParameters();
        foreach (var (_, p) in parameters)
        {
            using var _ = no_grad();
            p.uniform_(-1, 1);
            p.grad = ones_like(p);
        }
        using var optimizer = new AdamW([new AdamWParameterGroup(parameters, learningRate: 0.01, weightDecay: 0.01)]);
        optimizer.Step();
        var tensors = parameters.Select(p => (p.Name, (Tensor)p.Parameter)).ToList();
        var state = new TrainingProgressState { Fingerprint = "fuzzing", CompletedEpochs = 1, Step = 1, BestEpoch = 1, History = [new EpochRecord { Epoch = 1, Loss = 0.5 }] };
        new TrainingCheckpointStore(folder, _ => { }).Save(state, tensors, tensors, optimizer.SaveState);
        foreach (var (_, p) in parameters) p.Dispose();
    }

    private static void WriteModelZip(string bert, string folder)
    {
        Directory.CreateDirectory(folder);
        var mlContext = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 8).Select(i => new Row { Text = i % 2 == 0 ? "hello goal" : "soup song world", Label = i % 2 == 0 ? "a" : "b" }).ToList();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.Lamda(new LamdaTextClassificationTrainer.Options
            {
                ModelPath = bert, Sentence1ColumnName = "Text", Rank = 2, MaxEpochs = 1, BatchSize = 4, MaxSequenceLength = 16, Device = "cpu",
            }));
        var model = pipeline.Fit(data);
        mlContext.Model.Save(model, data.Schema, Path.Combine(folder, "model.zip"));
        (model as IDisposable)?.Dispose();
    }

    private sealed class Row
    {
        public string Text { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
