using Microsoft.ML.Lamda.Export;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda;

/// <summary>
/// The fine-tuned (merged) model with its tokenizer, as a transformer uses it: scores batches of sentence pairs
/// (class probabilities, or the similarity), one forward pass under no_grad per batch, one pass at a time (so
/// that several cursors and prediction engines may share it). Writes itself to and reads itself from a model
/// stream: the model's config and weights, and the tokenizer's files.
/// </summary>
internal sealed class TextScorer : IDisposable
{
    private readonly SequenceClassificationModel _model;
    private readonly PretrainedTokenizer _tokenizer;
    private readonly IReadOnlyDictionary<string, byte[]> _tokenizerFiles;
    private readonly Device _device;
    private readonly object _gate = new();
    private bool _disposed;
    private long _forwardPasses;

    /// <summary>Wraps a trained model (put in eval mode here); <paramref name="tokenizerFiles"/> are the tokenizer's files by name.</summary>
    public TextScorer(SequenceClassificationModel model, PretrainedTokenizer tokenizer, IReadOnlyDictionary<string, byte[]> tokenizerFiles,
        int maxSequenceLength, int batchSize, bool probabilities)
    {
        _model = model;
        _tokenizer = tokenizer;
        _tokenizerFiles = tokenizerFiles;
        _device = model.Device;
        MaxSequenceLength = maxSequenceLength;
        BatchSize = batchSize;
        Probabilities = probabilities;
        _model.Train(false);
    }

    /// <summary>Longest token sequence.</summary>
    public int MaxSequenceLength { get; }

    /// <summary>Rows scored per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>True: softmax over classes; false: the single regression output.</summary>
    public bool Probabilities { get; }

    /// <summary>Outputs per row (classes, or 1).</summary>
    public int OutputCount => _model.Config.NumLabels;

    /// <summary>Forward passes run so far (batching diagnostics).</summary>
    public long ForwardPasses => Interlocked.Read(ref _forwardPasses);

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Reads the tokenizer's files into memory, for saving them with the model later.</summary>
    public static IReadOnlyDictionary<string, byte[]> ReadTokenizerFiles(PretrainedTokenizer tokenizer) =>
        tokenizer.SourceFiles.ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes, StringComparer.Ordinal);

    /// <summary>Scores <paramref name="rows"/> (any number; split into passes of <see cref="BatchSize"/>).</summary>
    public float[][] Score(IReadOnlyList<SentencePair> rows)
    {
        var encoded = rows.Select(r => _tokenizer.Encode(r.First, r.Second, MaxSequenceLength)).ToArray();
        var results = new float[rows.Count][];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var _ = no_grad();
            for (int start = 0; start < encoded.Length; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(BatchSize, encoded.Length - start);
                using var tokens = _tokenizer.Collate(encoded.AsSpan(start, count).ToArray(), _device);
                var logits = _model.Forward(tokens).to_type(ScalarType.Float32);
                Interlocked.Increment(ref _forwardPasses);
                var outputs = (Probabilities ? logits.softmax(1) : logits).cpu();
                var values = outputs.data<float>().ToArray();
                int width = (int)outputs.shape[1];
                for (int r = 0; r < count; r++)
                    results[start + r] = values.AsSpan(r * width, width).ToArray();
            }
        }
        return results;
    }

    /// <summary>
    /// Runs <paramref name="export"/> on the model, its tokenizer and <paramref name="labels"/>, under the scoring lock;
    /// <paramref name="pairs"/> says whether the model scores text pairs.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The scorer is disposed.</exception>
    public void Export(IReadOnlyList<string> labels, bool pairs, Action<ExportSource> export)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            export(new ExportSource(_model, Probabilities, labels, new TokenizerExport(_tokenizer, _tokenizerFiles, MaxSequenceLength, pairs)));
        }
    }

    /// <summary>Writes the model (config.json, weights) and the tokenizer files as one stream of named files.</summary>
    public void Write(BinaryWriter writer)
    {
        var directory = Directory.CreateTempSubdirectory("lamda-save-");
        try
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _model.SavePretrained(directory.FullName);
            }
            var files = directory.GetFiles().ToDictionary(f => f.Name, f => File.ReadAllBytes(f.FullName), StringComparer.Ordinal);
            foreach (var (name, bytes) in _tokenizerFiles)
                files.TryAdd(name, bytes);
            writer.Write(MaxSequenceLength);
            writer.Write(BatchSize);
            writer.Write(Probabilities);
            writer.Write(_tokenizerFiles.Count);
            foreach (var name in _tokenizerFiles.Keys) writer.Write(name);
            writer.Write(files.Count);
            foreach (var (name, bytes) in files)
            {
                writer.Write(name);
                writer.Write(bytes.Length);
                writer.Write(bytes);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote and builds the model on <paramref name="device"/>.</summary>
    /// <exception cref="InvalidDataException">The stream is damaged: a count, length or file name is out of range, or it ends early.</exception>
    public static TextScorer Read(BinaryReader reader, string device, Action<string>? log)
    {
        int maxSequenceLength = reader.ReadInt32();
        int batchSize = reader.ReadInt32();
        bool probabilities = reader.ReadBoolean();
        if (maxSequenceLength is < 3 or > MaxStoredSequenceLength || batchSize < 1)
            throw new InvalidDataException($"The stored scorer settings (maximum length {maxSequenceLength}, batch size {batchSize}) are out of range.");
        var tokenizerFileNames = Enumerable.Range(0, ReadCount(reader, "tokenizer files")).Select(_ => ReadFileName(reader)).ToArray();
        int fileCount = ReadCount(reader, "files");
        var directory = Directory.CreateTempSubdirectory("lamda-load-");
        try
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < fileCount; i++)
            {
                var name = ReadFileName(reader);
                if (!names.Add(name)) throw new InvalidDataException($"The stored model holds file '{name}' twice.");
                int length = reader.ReadInt32();
                if (length < 0) throw new InvalidDataException($"The stored file '{name}' has length {length}.");
                using var file = File.Create(Path.Combine(directory.FullName, name));
                CopyExactly(reader.BaseStream, file, length, name);
            }
            var missing = tokenizerFileNames.FirstOrDefault(n => !names.Contains(n));
            if (missing is not null) throw new InvalidDataException($"The stored model names tokenizer file '{missing}' but does not hold it.");
            var model = SequenceClassificationModel.FromPretrained(directory.FullName, new SequenceClassificationModelOptions { Device = device, Log = log });
            try
            {
                var tokenizer = PretrainedTokenizer.FromDirectory(directory.FullName);
                tokenizer.CheckFits(model.Config, directory.FullName);
                var tokenizerFiles = tokenizerFileNames.ToDictionary(n => n, n => File.ReadAllBytes(Path.Combine(directory.FullName, n)), StringComparer.Ordinal);
                return new TextScorer(model, tokenizer, tokenizerFiles, maxSequenceLength, batchSize, probabilities);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private const int MaxStoredSequenceLength = 1 << 20;
    private const int MaxStoredFiles = 64;

    private static int ReadCount(BinaryReader reader, string what)
    {
        int count = reader.ReadInt32();
        return count is >= 0 and <= MaxStoredFiles ? count : throw new InvalidDataException($"The stored model claims {count} {what} (at most {MaxStoredFiles}).");
    }

    private static string ReadFileName(BinaryReader reader)
    {
        var name = reader.ReadString();
        if (name.Length is 0 or > 255 || name is "." or ".." || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || Path.GetFileName(name) != name)
            throw new InvalidDataException($"The stored model holds a file named '{name.Replace("\0", "\\0")}', which is not a plain file name.");
        return name;
    }

    /// <summary>Copies <paramref name="length"/> bytes in chunks, so that a damaged length never allocates more than the data that is there.</summary>
    private static void CopyExactly(Stream source, Stream destination, int length, string name)
    {
        var buffer = new byte[Math.Min(length, 1 << 20)];
        for (int left = length; left > 0;)
        {
            int read = source.Read(buffer, 0, Math.Min(buffer.Length, left));
            if (read == 0) throw new InvalidDataException($"The stored file '{name}' ends after {length - left} of its {length} bytes.");
            destination.Write(buffer, 0, read);
            left -= read;
        }
    }

    /// <summary>The label names of the model's config.json (LABEL_i unless the checkpoint named them).</summary>
    public IReadOnlyList<string> ConfigLabels => _model.Config.Labels;

    /// <summary>Frees the model; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _model.Dispose();
        }
    }
}
