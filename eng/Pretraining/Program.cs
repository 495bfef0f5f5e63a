using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Pretraining;
using Microsoft.ML.Lamda.Tokenization;
using Microsoft.ML.Tokenizers;
using TorchSharp;

// Pretrains samples/Models/lamda-mini-deberta-v3 (see eng/Pretraining/README.md for the whole procedure).
var corpusOption = new Option<string>("--corpus") { Description = "Corpus, one text a line (eng/DataPrep/build-data.sh writes it).", DefaultValueFactory = _ => "artifacts/pretraining/corpus.txt" };
var outputOption = new Option<string>("--output") { Description = "Model folder; must hold spm.model. Receives the model files and README.md.", DefaultValueFactory = _ => "samples/Models/lamda-mini-deberta-v3" };
var stepsOption = new Option<int>("--steps") { Description = "The most optimiser steps.", DefaultValueFactory = _ => 1000 };
var minutesOption = new Option<double>("--minutes") { Description = "Time budget of the training loop in minutes (0: none); the run ends at --steps or here, whichever comes first.", DefaultValueFactory = _ => 0 };
var batchOption = new Option<int>("--batch-size") { Description = "Blocks per step.", DefaultValueFactory = _ => 32 };
var blockOption = new Option<int>("--block-length") { Description = "Tokens per block, [CLS] and [SEP] included.", DefaultValueFactory = _ => 128 };
var lrOption = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3 };
var warmupOption = new Option<double>("--warmup") { Description = "Share of the steps spent warming up.", DefaultValueFactory = _ => 0.06 };
var decayOption = new Option<double>("--weight-decay") { Description = "AdamW weight decay.", DefaultValueFactory = _ => 0.01 };
var seedOption = new Option<int>("--seed") { Description = "Seed of initialisation, block order and masking.", DefaultValueFactory = _ => 42 };
var threadsOption = new Option<int>("--threads") { Description = "Torch CPU threads.", DefaultValueFactory = _ => 2 };
var logOption = new Option<int>("--log-every") { Description = "Steps between loss lines.", DefaultValueFactory = _ => 10 };
var evalOption = new Option<int>("--eval-every") { Description = "Steps between held-out evaluations and saves of the model folder.", DefaultValueFactory = _ => 100 };
var evalBlocksOption = new Option<int>("--eval-blocks") { Description = "Held-out blocks per evaluation.", DefaultValueFactory = _ => 128 };
var measureOption = new Option<bool>("--measure") { Description = "Only time the steps (no evaluation, nothing saved)." };
var layersOption = new Option<int>("--layers") { Description = "Encoder layers.", DefaultValueFactory = _ => 4 };
var hiddenOption = new Option<int>("--hidden") { Description = "Hidden size.", DefaultValueFactory = _ => 256 };
var headsOption = new Option<int>("--heads") { Description = "Attention heads.", DefaultValueFactory = _ => 4 };
var ffnOption = new Option<int>("--ffn") { Description = "Feed-forward (intermediate) size.", DefaultValueFactory = _ => 1024 };
var dropoutOption = new Option<double>("--dropout") { Description = "Dropout while pretraining (config.json keeps 0.1 for fine-tuning).", DefaultValueFactory = _ => 0.0 };

var root = new RootCommand("Masked-LM pretraining of a small DeBERTa-v3-architecture encoder on the Debian description corpus.")
{
    corpusOption, outputOption, stepsOption, minutesOption, batchOption, blockOption, lrOption, warmupOption, decayOption, seedOption, threadsOption,
    logOption, evalOption, evalBlocksOption, measureOption, layersOption, hiddenOption, headsOption, ffnOption, dropoutOption,
};
root.SetAction(parse =>
{
    var output = parse.GetValue(outputOption)!;
    var spmPath = Path.Combine(output, "spm.model");
    if (!File.Exists(spmPath))
    {
        throw new FileNotFoundException($"'{spmPath}' does not exist: run eng/DataPrep/build-data.sh first.", spmPath);
    }

    var corpus = parse.GetValue(corpusOption)!;
    if (!File.Exists(corpus))
    {
        throw new FileNotFoundException($"Corpus '{corpus}' does not exist: run eng/DataPrep/build-data.sh first.", corpus);
    }

    var threads = parse.GetValue(threadsOption);
    var seed = parse.GetValue(seedOption);
    var blockLength = parse.GetValue(blockOption);
    torch.set_num_threads(threads);
    torch.manual_seed(seed);

    // 1. Tokenizer: the folder's spm.model with DeBERTa-v3's special tokens.
    HuggingFaceFolder.WriteTokenizerFiles(output, modelMaxLength: 512);
    var tokenizer = PretrainedTokenizer.FromDirectory(output);
    IReadOnlyDictionary<string, int> pieces;
    using (var stream = File.OpenRead(spmPath))
    {
        pieces = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false).Vocabulary;
    }

    var vocabulary = new MaskingVocabulary(
        new HashSet<int> { tokenizer.PadTokenId, tokenizer.ClsTokenId, tokenizer.SepTokenId },
        pieces.TryGetValue("[MASK]", out var maskId) ? maskId : throw new InvalidDataException($"'{spmPath}' has no [MASK] piece (train it with --user_defined_symbols='[MASK]')."),
        FirstOrdinaryId: pieces.Values.Where(id => id > maskId).DefaultIfEmpty(maskId + 1).Min(),
        VocabSize: pieces.Count);

    // 2. Corpus: tokenize and pack into blocks; hold out every 50th block.
    var clock = Stopwatch.StartNew();
    var blocks = TokenBlocks.Build(File.ReadLines(corpus), tokenizer, blockLength, heldOutEvery: 50);
    Console.WriteLine($"{corpus}: {blocks.LineCount} lines, {blocks.TokenCount} tokens -> {blocks.Train.Count} training and {blocks.HeldOut.Count} held-out blocks of {blockLength} ({clock.Elapsed.TotalSeconds:F0} s)");

    // 3. Model: DeBERTa-v3 architecture, randomly initialised as transformers does. Less than an epoch of
    //    pretraining cannot overfit, so dropout is off while pretraining (as in "cramming" recipes); the published
    //    config.json keeps DeBERTa-v3's 0.1 for fine-tuning.
    var hidden = parse.GetValue(hiddenOption);
    var config = new EncoderConfig
    {
        ModelType = "deberta-v2",
        VocabSize = vocabulary.VocabSize,
        HiddenSize = hidden,
        NumHiddenLayers = parse.GetValue(layersOption),
        NumAttentionHeads = parse.GetValue(headsOption),
        IntermediateSize = parse.GetValue(ffnOption),
        HiddenAct = "gelu",
        HiddenDropoutProb = 0.1,
        AttentionProbsDropoutProb = 0.1,
        MaxPositionEmbeddings = 512,
        TypeVocabSize = 0,
        LayerNormEps = 1e-7,
        PadTokenId = tokenizer.PadTokenId,
        RelativeAttention = true,
        MaxRelativePositions = -1,
        PositionBuckets = 256,
        ShareAttentionKey = true,
        NormalizeRelativeEmbeddings = true,
        PositionAttentionTypes = ["p2c", "c2p"],
        PositionBiasedInput = false,
        PoolerHiddenSize = hidden,
        PoolerHiddenAct = "gelu",
    };
    var dropout = parse.GetValue(dropoutOption);
    var pretrainingConfig = config with { HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout };
    using var model = SequenceClassificationModel.Create(pretrainingConfig, new SequenceClassificationModelOptions { Device = "cpu", NumLabels = 2 });
    using var head = new MaskedLanguageModelHead(hidden, vocabulary.VocabSize, config.LayerNormEps, config.InitializerRange);
    var parameterCount = model.Network.named_parameters().Where(p => p.name.StartsWith(Pretrainer.EncoderPrefix, StringComparison.Ordinal)).Sum(p => p.parameter.numel())
        + head.parameters().Sum(p => p.numel());
    Console.WriteLine($"{parameterCount:N0} trained parameters");

    // 4. Train, saving the folder at every evaluation.
    var measure = parse.GetValue(measureOption);
    var steps = parse.GetValue(stepsOption);
    var settings = new PretrainingSettings(
        steps, parse.GetValue(batchOption), parse.GetValue(lrOption), parse.GetValue(warmupOption), parse.GetValue(decayOption), seed,
        parse.GetValue(logOption), measure ? int.MaxValue : parse.GetValue(evalOption), parse.GetValue(evalBlocksOption),
        parse.GetValue(minutesOption) is > 0 and var minutes ? TimeSpan.FromMinutes(minutes) : null);
    var facts = new PretrainingFacts(corpus, new FileInfo(corpus).Length, blocks, blockLength, settings, parameterCount, threads, dropout,
        "dotnet run --project eng/Pretraining -c Release -- " + string.Join(' ', args));
    var curve = new Pretrainer(model, head, blocks, vocabulary, settings, Console.WriteLine).Run(points =>
    {
        if (measure)
        {
            return;
        }

        HuggingFaceFolder.WriteModel(output, config, model, head);
        PretrainingReport.Write(output, facts, points, finished: settings.Progress(points[^1].Step, TimeSpan.FromSeconds(points[^1].Seconds)) >= 1);
        Console.WriteLine($"saved {output} at step {points[^1].Step}");
    });
    Console.WriteLine($"done: {curve.Count} evaluations, final held-out loss {(curve.Count > 0 ? curve[^1].HeldOutLoss : double.NaN):F4}");
    return 0;
});
return root.Parse(args).Invoke();
