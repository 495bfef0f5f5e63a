using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;
using Microsoft.ML.Lamda.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Fuzzing;

/// <summary>Every reader of a file the library accepts from a user, with its documented exceptions.</summary>
public static class FuzzTargets
{
    private static readonly Type[] CheckpointErrors = [typeof(CheckpointFormatException)];
    private static readonly Type[] TokenizerErrors = [typeof(InvalidDataException), typeof(CheckpointFormatException)];
    private static readonly string[] BertTokenizerFiles = ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "config.json"];

    private static readonly string[] CheckpointFiles = ["parameters.bin", "best-parameters.bin", "optimizer.bin", "state.json", "manifest.json"];

    /// <summary>All targets.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("safetensors", SeedFolders.Bert, ["model.safetensors"], ReadSafetensors, CheckpointErrors),
        new("checkpoint-load", SeedFolders.Bert, ["model.safetensors", "config.json"], LoadModel, CheckpointErrors),
        new("sharded-index", SeedFolders.Sharded, ["model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], LoadModel, CheckpointErrors),
        new("tokenizer-wordpiece", SeedFolders.Bert, BertTokenizerFiles, ReadTokenizer, TokenizerErrors),
        new("tokenizer-bpe", SeedFolders.Bpe, ["vocab.json", "merges.txt", "tokenizer_config.json"], ReadTokenizer, TokenizerErrors),
        new("tokenizer-sentencepiece", SeedFolders.SentencePiece, ["spm.model", "tokenizer_config.json", "special_tokens_map.json"], ReadTokenizer, [.. TokenizerErrors, typeof(NotSupportedException)]),
        new("training-checkpoint", SeedFolders.TrainingCheckpoint, CheckpointFiles.Select(f => "epoch-0001/" + f).ToArray(), ReadTrainingCheckpoint, [typeof(InvalidDataException), typeof(InvalidOperationException)]),
        new("named-tensors", SeedFolders.TrainingCheckpoint, ["epoch-0001/parameters.bin"], ReadNamedTensors, [typeof(InvalidDataException)]),
        new("adamw-state", SeedFolders.TrainingCheckpoint, ["epoch-0001/optimizer.bin"], ReadOptimizerState, [typeof(InvalidDataException)], NamesFile: false),
        new("onnx-import", SeedFolders.Onnx, ["model.onnx"], LoadModel, CheckpointErrors),
        new("onnx-external-data", SeedFolders.OnnxExternal, ["model.onnx", "weights.bin"], LoadModel, CheckpointErrors),
        new("model-zip", SeedFolders.ModelZip, ["model.zip"], LoadModelZip, [typeof(InvalidDataException)], NamesFile: false,
            HostExpected: [typeof(IOException), typeof(InvalidDataException), typeof(InvalidOperationException), typeof(FormatException), typeof(ArgumentException), typeof(BadImageFormatException), typeof(NotSupportedException)]),
    ];

    private static void ReadSafetensors(string folder)
    {
        using var reader = SafetensorsReader.Open(Path.Combine(folder, "model.safetensors"));
        foreach (var key in reader.Tensors.Keys)
            reader.Read(key).Dispose();
    }

    private static void LoadModel(string folder)
    {
        using var model = SequenceClassificationModel.FromPretrained(folder, new SequenceClassificationModelOptions { Device = "cpu" });
    }

    private static void ReadTokenizer(string folder)
    {
        var tokenizer = PretrainedTokenizer.FromDirectory(folder);
        tokenizer.Encode("Hello world, the songs.", "goal soup", 24);
    }

    private static void ReadTrainingCheckpoint(string folder)
    {
        var store = new TrainingCheckpointStore(folder, _ => { });
        if (store.TryLoadLatestState(out var path) is null) return;
        var parameters = SeedFolders.CheckpointParameters();
        var best = SeedFolders.CheckpointParameters();
        try
        {
            using var optimizer = new AdamW([new AdamWParameterGroup(parameters, 0.01, 0.01)]);
            TrainingCheckpointStore.LoadTensors(path!, parameters.ToDictionary(p => p.Name, p => (Tensor)p.Parameter),
                best.ToDictionary(p => p.Name, p => (Tensor)p.Parameter), optimizer.LoadState);
        }
        finally
        {
            foreach (var (_, p) in parameters.Concat(best)) p.Dispose();
        }
    }

    private static void ReadNamedTensors(string folder)
    {
        var parameters = SeedFolders.CheckpointParameters();
        try
        {
            var path = Path.Combine(folder, "epoch-0001", "parameters.bin");
            using var stream = File.OpenRead(path);
            NamedTensorFile.ReadInto(stream, path, parameters.ToDictionary(p => p.Name, p => (Tensor)p.Parameter));
        }
        finally
        {
            foreach (var (_, p) in parameters) p.Dispose();
        }
    }

    private static void ReadOptimizerState(string folder)
    {
        var parameters = SeedFolders.CheckpointParameters();
        try
        {
            using var optimizer = new AdamW([new AdamWParameterGroup(parameters, 0.01, 0.01)]);
            using var stream = File.OpenRead(Path.Combine(folder, "epoch-0001", "optimizer.bin"));
            optimizer.LoadState(stream);
        }
        finally
        {
            foreach (var (_, p) in parameters) p.Dispose();
        }
    }

    private static void LoadModelZip(string folder)
    {
        var mlContext = new MLContext(seed: 1);
        var model = mlContext.Model.Load(Path.Combine(folder, "model.zip"), out _);
        (model as IDisposable)?.Dispose();
    }
}
