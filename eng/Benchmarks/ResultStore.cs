using System.Text.Json;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>
/// Keeps every measured result as one JSON line in the output folder, so that an interrupted run keeps what it
/// measured and a rerun with the same output folder measures only the configurations still missing.
/// </summary>
internal sealed class ResultStore
{
    private readonly string _trainingPath;
    private readonly string _inferencePath;
    private readonly List<TrainingResult> _training;
    private readonly List<InferenceResult> _inference;

    /// <summary>Opens (or starts) the store in <paramref name="folder"/>.</summary>
    public ResultStore(string folder)
    {
        Directory.CreateDirectory(folder);
        _trainingPath = Path.Combine(folder, "training-results.jsonl");
        _inferencePath = Path.Combine(folder, "inference-results.jsonl");
        _training = Read<TrainingResult>(_trainingPath);
        _inference = Read<InferenceResult>(_inferencePath);
    }

    /// <summary>Training results, in the order measured.</summary>
    public IReadOnlyList<TrainingResult> Training => _training;

    /// <summary>Inference results, in the order measured.</summary>
    public IReadOnlyList<InferenceResult> Inference => _inference;

    /// <summary>Whether <paramref name="c"/> was measured already.</summary>
    public bool Has(TrainingCase c) => _training.Any(r => r.Case == c);

    /// <summary>Whether <paramref name="c"/> was measured already.</summary>
    public bool Has(InferenceCase c) => _inference.Any(r => r.Case == c);

    /// <summary>Records a training result.</summary>
    public void Add(TrainingResult result)
    {
        _training.Add(result);
        File.AppendAllLines(_trainingPath, [JsonSerializer.Serialize(result)]);
    }

    /// <summary>Records an inference result.</summary>
    public void Add(InferenceResult result)
    {
        _inference.Add(result);
        File.AppendAllLines(_inferencePath, [JsonSerializer.Serialize(result)]);
    }

    private static List<T> Read<T>(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l)
                ?? throw new InvalidDataException($"{path}: a line holds no result.")).ToList()
            : [];
}
