using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Export;
using Microsoft.ML.Lamda.Tokenization;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Models;

/// <summary>
/// A transformer encoder (BERT, RoBERTa, DeBERTa-v2/v3) with its sequence-classification (or, with one label,
/// regression) head, exactly as transformers' <c>*ForSequenceClassification</c> computes it. Its
/// <see cref="Network"/> names parameters as transformers does, so Hugging Face checkpoints load directly.
/// </summary>
public sealed class SequenceClassificationModel : IDisposable
{
    private static readonly ScalarType[] SupportedDTypes = [ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16];
    private readonly IEncoderClassifier _classifier;
    private bool _disposed;

    private SequenceClassificationModel(nn.Module network, EncoderConfig config, Device device, ScalarType dtype)
    {
        Network = network;
        _classifier = (IEncoderClassifier)network;
        Config = config;
        Device = device;
        DType = dtype;
    }

    /// <summary>The root module (encoder + head) whose <c>named_parameters()</c> are transformers' keys.</summary>
    public nn.Module Network { get; }

    /// <summary>Dotted names of the task-head modules (e.g. <c>bert.pooler</c>, <c>classifier</c>), trained in full.</summary>
    public IReadOnlyList<string> HeadModuleNames => _classifier.HeadModuleNames;

    /// <summary>The architecture settings (with the head's label count).</summary>
    public EncoderConfig Config { get; }

    /// <summary>The device the parameters live on.</summary>
    public Device Device { get; }

    /// <summary>The parameter dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>
    /// Loads a Hugging Face checkpoint folder: <c>config.json</c> plus <c>model.safetensors</c> (or sharded
    /// safetensors with <c>model.safetensors.index.json</c>); or an ONNX encoder export: a folder holding
    /// <c>model.onnx</c> (and no safetensors), or the path of an <c>.onnx</c> file, whose configuration is inferred from
    /// the graph (a <c>config.json</c> beside it overrides; see <see cref="OnnxEncoderImporter"/>). A checkpoint without
    /// a task head (a base model), or with a head of another label count, gets a freshly initialised head (reported
    /// through the log).
    /// </summary>
    /// <param name="directory">The checkpoint folder, or an .onnx file.</param>
    /// <param name="options">Label count, device, dtype and log; null for the defaults.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no config.json or no weights.</exception>
    /// <exception cref="CheckpointFormatException">A file is malformed, holds pickle weights only, or disagrees with config.json; an ONNX graph is not a recognisable encoder.</exception>
    public static SequenceClassificationModel FromPretrained(string directory, SequenceClassificationModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        options ??= new SequenceClassificationModelOptions();
        EncoderConfig config;
        CheckpointWeights weights;
        if (OnnxEncoderImporter.OnnxFileOf(directory) is { } onnx)
        {
            (config, weights) = OnnxEncoderImporter.Import(onnx, options.Log);
        }
        else
        {
            config = EncoderConfig.Load(directory);
            weights = CheckpointWeights.Open(directory);
        }
        using var ownedWeights = weights;
        if (options.NumLabels is int labels)
            config = config.WithNumLabels(labels);
        CheckSizeAgainstWeights(config, weights, directory);
        var model = Create(config, options);
        try
        {
            CheckpointLoader.Load(model.Network, weights, config.Family, model.HeadModuleNames, options.Log);
            options.Log?.Invoke($"Loaded {config.ModelType} checkpoint '{directory}' ({config.NumHiddenLayers} layers, hidden size {config.HiddenSize}, {config.NumLabels} label(s)) as {model.DType} on {model.Device}.");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses a config.json whose sizes describe a larger encoder than the weights hold, before anything is allocated:
    /// a damaged size (a vocabulary of a billion rows) would otherwise ask for terabytes.
    /// </summary>
    private static void CheckSizeAgainstWeights(EncoderConfig config, CheckpointWeights weights, string directory)
    {
        // A lower bound of the encoder's parameters, all of which the checkpoint must hold: the embedding tables
        // (words, absolute positions where used, token types, DeBERTa's relative positions) and each layer's four
        // attention and two feed-forward matrices.
        bool deberta = config.Family == EncoderFamily.DebertaV2;
        double embeddingRows = (double)config.VocabSize + config.TypeVocabSize
            + (!deberta || config.PositionBiasedInput ? config.MaxPositionEmbeddings : 0)
            + (deberta && config.RelativeAttention ? 2.0 * DebertaV2Encoder.AttentionSpan(config) : 0);
        double needed = embeddingRows * config.HiddenSize
            + (double)config.NumHiddenLayers * (4.0 * config.HiddenSize * config.HiddenSize + 2.0 * config.HiddenSize * config.IntermediateSize);
        double stored = weights.Tensors.Values.Sum(t => t.Shape.Aggregate(1.0, (product, size) => product * size));
        if (needed > stored)
            throw new CheckpointFormatException(Path.Combine(directory, EncoderConfig.FileName),
                $"the sizes of config.json (vocab_size {config.VocabSize}, hidden_size {config.HiddenSize}, num_hidden_layers {config.NumHiddenLayers}, intermediate_size {config.IntermediateSize}, max_position_embeddings {config.MaxPositionEmbeddings}, ...) "
                + $"need at least {needed:N0} weights, but the checkpoint holds {stored:N0}: config.json does not belong to these weights.");
    }

    /// <summary>Builds a randomly initialised model (transformers' initialisation; seed with <c>torch.manual_seed</c>).</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="options">Label count, device, dtype and log; null for the defaults.</param>
    /// <exception cref="CheckpointFormatException">The configuration is inconsistent.</exception>
    /// <exception cref="ArgumentException">The dtype or device is not supported.</exception>
    public static SequenceClassificationModel Create(EncoderConfig config, SequenceClassificationModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new SequenceClassificationModelOptions();
        if (!SupportedDTypes.Contains(options.DType))
            throw new ArgumentException($"DType {options.DType} is not supported; use Float32, BFloat16 or Float16.", nameof(options));
        if (options.NumLabels is int labels)
            config = config.WithNumLabels(labels);
        config.Validate();
        var device = DeviceSelector.Resolve(options.Device, options.Log);
        nn.Module network = config.Family switch
        {
            EncoderFamily.Bert => new BertForSequenceClassification(config),
            EncoderFamily.Roberta => new RobertaForSequenceClassification(config),
            _ => new DebertaV2ForSequenceClassification(config),
        };
        network.to(options.DType).to(device);
        network.eval();
        return new SequenceClassificationModel(network, config, device, options.DType);
    }

    /// <summary>
    /// The same network reported on <paramref name="device"/>, for tests that move its parameters in place (keeping the
    /// parameter objects, hence the optimizer and adapter bookkeeping) to the meta device, where any read back throws.
    /// </summary>
    internal static SequenceClassificationModel OnMovedParameters(SequenceClassificationModel model, Device device)
        => new(model.Network, model.Config, device, model.DType);

    /// <summary>Logits [batch, labels] for a batch of token ids.</summary>
    /// <param name="inputIds">[batch, seq] int32 or int64 token ids.</param>
    /// <param name="attentionMask">[batch, seq]: 1 for tokens, 0 for padding.</param>
    /// <param name="tokenTypeIds">[batch, seq] segment ids, or null for all zeros.</param>
    /// <exception cref="ArgumentException">A tensor has the wrong rank, shape or dtype, or an id lies outside its embedding table.</exception>
    /// <remarks>
    /// The ids are checked against the embedding tables: on the host when they are CPU tensors, otherwise by a
    /// reduction read back from the device (a synchronization); batches built by the tokenizer's <c>Collate</c> are
    /// checked on the host when built (see the internal overload taking a <see cref="TokenBatch"/>).
    /// </remarks>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds = null)
    {
        using var scope = torch.NewDisposeScope();
        using var hidden = EncodeCore(inputIds, attentionMask, tokenTypeIds, null, null);
        return _classifier.Classify(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [batch, labels] for a collated batch, whose id ranges were taken on the host: nothing is read back from the device.</summary>
    /// <exception cref="ArgumentException">An id lies outside its embedding table.</exception>
    internal Tensor Forward(TokenBatch batch)
    {
        using var scope = torch.NewDisposeScope();
        using var hidden = EncodeCore(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, batch.InputIdRange, batch.TokenTypeIdRange);
        return _classifier.Classify(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder's last hidden state [batch, seq, hidden] (arguments as <see cref="Forward(Tensor, Tensor, Tensor?)"/>).</summary>
    /// <exception cref="ArgumentException">A tensor has the wrong rank, shape or dtype, or an id lies outside its embedding table.</exception>
    public Tensor Encode(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds = null)
    {
        using var scope = torch.NewDisposeScope();
        return EncodeCore(inputIds, attentionMask, tokenTypeIds, null, null).MoveToOuterDisposeScope();
    }

    /// <summary>Switches dropout on (training) or off (evaluation).</summary>
    public void Train(bool on) => Network.train(on);

    /// <summary>
    /// Writes <c>config.json</c> and a float32 <c>model.safetensors</c> with transformers' keys to
    /// <paramref name="directory"/> (created when missing), loadable by <see cref="FromPretrained"/> and by transformers.
    /// Merge adapters into the network first, so that only the plain parameters are saved.
    /// </summary>
    public void SavePretrained(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, EncoderConfig.FileName), Config.ToJson());
        var parameters = Network.named_parameters().Select(pair => KeyValuePair.Create(pair.name, (Tensor)pair.parameter));
        SafetensorsWriter.Write(Path.Combine(directory, CheckpointWeights.SafetensorsFileName), parameters, ScalarType.Float32,
            new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>
    /// Writes the model as one ONNX graph (opset 17, float32): inputs <c>input_ids</c>, <c>attention_mask</c> (and
    /// <c>token_type_ids</c> when the model has several token types), int64 [batch, sequence]; outputs <c>logits</c>
    /// [batch, labels] and, with more than one label, <c>probabilities</c>. A manifest <c>PATH.json</c> (family,
    /// inputs, outputs, label names) is written beside it.
    /// </summary>
    /// <param name="path">The .onnx file to write (its folder is created when missing).</param>
    /// <exception cref="IOException">The file exists and is not empty, or the folder cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public void ExportToOnnx(string path) => ExportToOnnx(path, null);

    /// <summary>As <see cref="ExportToOnnx(string)"/>, with overwriting and float16 weights chosen by <paramref name="options"/>.</summary>
    /// <exception cref="IOException">The file exists and is not empty (and <see cref="ModelExportOptions.Overwrite"/> is false), or the folder cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public void ExportToOnnx(string path, ModelExportOptions? options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModelExporter.ToOnnx(ExportSource(), path, options);
    }

    /// <summary>
    /// Writes a Hugging Face model folder: <c>config.json</c> (with <c>id2label</c>, <c>label2id</c>, <c>architectures</c>,
    /// <c>num_labels</c>, <c>problem_type</c>) and float32 <c>model.safetensors</c> under transformers' names.
    /// </summary>
    /// <param name="directory">The folder to write; it must not exist or be empty.</param>
    /// <exception cref="IOException">The folder exists and is not empty, or cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public void ExportToHuggingFace(string directory) => ExportToHuggingFace(directory, null);

    /// <summary>As <see cref="ExportToHuggingFace(string)"/>, replacing a non-empty folder when <paramref name="options"/> says so.</summary>
    /// <exception cref="IOException">The folder exists and is not empty (and <see cref="ModelExportOptions.Overwrite"/> is false), or cannot be written.</exception>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public void ExportToHuggingFace(string directory, ModelExportOptions? options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ModelExporter.ToHuggingFace(ExportSource(), directory, options);
    }

    /// <summary>Frees the network's native memory.</summary>
    public void Dispose()
    {
        _disposed = true;
        Network.Dispose();
    }

    private ExportSource ExportSource() => new(this, Config.NumLabels > 1, Config.Labels, Tokenizer: null);

    private Tensor EncodeCore(Tensor inputIds, Tensor attentionMask, Tensor? tokenTypeIds, (long Min, long Max)? idRange, (long Min, long Max)? typeRange)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        var ids = Ids(inputIds, nameof(inputIds), Config.VocabSize, "vocab_size", idRange);
        if (!attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException($"attentionMask has shape [{string.Join(", ", attentionMask.shape)}] but inputIds has [{string.Join(", ", inputIds.shape)}].", nameof(attentionMask));
        var mask = attentionMask.to(Device);
        Tensor types;
        if (tokenTypeIds is null || Config.TypeVocabSize == 0)
        {
            types = torch.zeros_like(ids);
        }
        else
        {
            if (!tokenTypeIds.shape.SequenceEqual(inputIds.shape))
                throw new ArgumentException($"tokenTypeIds has shape [{string.Join(", ", tokenTypeIds.shape)}] but inputIds has [{string.Join(", ", inputIds.shape)}].", nameof(tokenTypeIds));
            types = Ids(tokenTypeIds, nameof(tokenTypeIds), Config.TypeVocabSize, "type_vocab_size", typeRange);
        }
        CheckLength(inputIds.shape[1]);
        return _classifier.Encode(ids, mask, types);
    }

    /// <summary>The ids as int64 on the model's device, checked against the table: by <paramref name="hostRange"/> when known, else by a reduction on the tensor's own device.</summary>
    private Tensor Ids(Tensor ids, string name, long tableSize, string key, (long Min, long Max)? hostRange)
    {
        if (ids.dim() != 2)
            throw new ArgumentException($"{name} must be [batch, seq], found shape [{string.Join(", ", ids.shape)}].", name);
        if (ids.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"{name} must hold int32 or int64 ids, found {ids.dtype}.", name);
        if (ids.numel() > 0)
        {
            var (min, max) = hostRange ?? ReadRange(ids);
            if (min < 0 || max >= tableSize)
                throw new ArgumentException($"{name} holds {(min < 0 ? min : max)}, outside [0, {tableSize}) ({key} of config.json).", name);
        }
        return ids.to(ScalarType.Int64, Device);
    }

    /// <summary>Smallest and largest id, read back from the tensor's own device (no copy when it is a CPU tensor).</summary>
    private static (long Min, long Max) ReadRange(Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        var asLong = ids.to(ScalarType.Int64);
        return (asLong.min().item<long>(), asLong.max().item<long>());
    }

    /// <summary>The longest token sequence the position embeddings allow (<see cref="long.MaxValue"/> for relative positions only).</summary>
    internal long MaxSequenceLengthLimit => Config.Family switch
    {
        EncoderFamily.Roberta => Config.MaxPositionEmbeddings - Config.PadTokenId - 1,
        EncoderFamily.DebertaV2 when !Config.PositionBiasedInput => long.MaxValue,
        _ => Config.MaxPositionEmbeddings,
    };

    private void CheckLength(long length)
    {
        var limit = MaxSequenceLengthLimit;
        if (length > limit)
            throw new ArgumentException($"The sequences are {length} tokens long; this {Config.ModelType} model takes at most {limit} (max_position_embeddings {Config.MaxPositionEmbeddings}).");
    }
}
