using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lamda.Pretraining;

/// <summary>The facts of a run that the model folder's README records.</summary>
/// <param name="Corpus">The corpus file.</param>
/// <param name="CorpusBytes">Its size.</param>
/// <param name="Blocks">The packed corpus.</param>
/// <param name="BlockLength">Tokens per block.</param>
/// <param name="Settings">The run's settings.</param>
/// <param name="ParameterCount">Trained parameters (encoder and masked-LM head).</param>
/// <param name="Threads">Torch threads.</param>
/// <param name="Dropout">Dropout while pretraining.</param>
/// <param name="Command">The command line that ran.</param>
public sealed record PretrainingFacts(
    string Corpus, long CorpusBytes, TokenBlocks Blocks, int BlockLength, PretrainingSettings Settings, long ParameterCount, int Threads, double Dropout, string Command);

/// <summary>Writes the model folder's README.md: what the model is, how it was trained, and the loss curve.</summary>
public static class PretrainingReport
{
    /// <summary>Writes <c>README.md</c> into <paramref name="directory"/>.</summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="facts">Corpus, settings and command.</param>
    /// <param name="curve">The loss curve so far.</param>
    /// <param name="finished">Whether the run has finished (else the README says it is in progress).</param>
    public static void Write(string directory, PretrainingFacts facts, IReadOnlyList<LossPoint> curve, bool finished)
    {
        var s = facts.Settings;
        var last = curve.Count > 0 ? curve[^1] : null;
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        Line($"# lamda-mini-deberta-v3");
        Line($"");
        Line($"A small encoder with the DeBERTa-v3 architecture (4 layers, hidden size 256, 4 heads, FFN 1024, disentangled");
        Line($"attention with 256 log-bucketed relative positions, shared attention keys, layer-normalised relative");
        Line($"embeddings, no absolute positions, no token types), pretrained from scratch with masked-language modelling");
        Line($"on English Debian package descriptions, so that the samples can fine-tune an encoder without downloading one.");
        Line($"It is a teaching model: small, quick, and far weaker than microsoft/deberta-v3-*.");
        Line($"");
        Line($"Files: `config.json`, `model.safetensors` (float16; `deberta.*` encoder keys and the masked-LM head");
        Line($"`cls.predictions.*` as transformers' `DebertaV2ForMaskedLM` names them, decoder tied to the word embeddings),");
        Line($"`spm.model` (8000-piece unigram SentencePiece: `[PAD]`=0, `[CLS]`=1, `[SEP]`=2, `[UNK]`=3, `[MASK]`=4),");
        Line($"`tokenizer_config.json`, `special_tokens_map.json` (transformers' `DebertaV2Tokenizer`).");
        Line($"");
        Line($"## Status");
        Line($"");
        Line($"{(finished ? "Finished" : "In progress (this README is rewritten at every evaluation)")}: step {last?.Step ?? 0}, {TimeSpan.FromSeconds(last?.Seconds ?? 0):hh\\:mm\\:ss} of training; the run ends at {s.Steps} steps{(s.TimeBudget is { } budget ? $" or after {budget.TotalMinutes:F0} minutes, whichever comes first" : "")}.");
        Line($"");
        Line($"## Data");
        Line($"");
        Line($"Corpus `{facts.Corpus}` ({facts.CorpusBytes / 1e6:F1} MB, {facts.Blocks.LineCount} descriptions, {facts.Blocks.TokenCount} tokens), built by");
        Line($"`eng/DataPrep/build-data.sh` from the training split only (see `samples/data/README.md`): no validation or test");
        Line($"text of the bundled data sets was pretrained on. Lines are concatenated with `[SEP]` between them and cut");
        Line($"into blocks of {facts.BlockLength} tokens (`[CLS]` + {facts.BlockLength - 2} + `[SEP]`): {facts.Blocks.Train.Count} training blocks, {facts.Blocks.HeldOut.Count} held out (every 50th).");
        Line($"");
        Line($"## Training");
        Line($"");
        Line($"Masked-LM: 15 % of the non-special tokens are predicted; of those 80 % become `[MASK]`, 10 % a random token,");
        var steps = last?.Step ?? 0;
        Line($"10 % stay. {facts.ParameterCount:N0} trained parameters. {steps} steps of {s.BatchSize} blocks ({(double)steps * s.BatchSize / Math.Max(1, facts.Blocks.Train.Count):F2} epochs),");
        Line($"AdamW (peak learning rate {s.PeakLearningRate}, betas 0.9/0.98, eps 1e-6, weight decay {s.WeightDecay} except biases and");
        Line($"LayerNorm weights), linear warm-up over {s.WarmupFraction:P0} of the run then linear decay to 0 (progress = the larger of");
        Line($"the step share and the time share), gradient clipping at");
        Line($"norm 1, dropout {facts.Dropout} while pretraining (config.json says 0.1 for fine-tuning), seed {s.Seed}, float32 on the CPU with {facts.Threads} torch threads (TorchSharp 0.107, libtorch 2.10).");
        Line($"");
        Line($"```");
        Line($"{facts.Command}");
        Line($"```");
        Line($"");
        Line($"## Loss curve");
        Line($"");
        Line($"Held-out figures use the same {s.EvalBlocks} held-out blocks and the same masks at every evaluation.");
        Line($"");
        Line($"| step | train loss | held-out loss | held-out masked-token accuracy | learning rate | elapsed |");
        Line($"| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in curve)
        {
            Line($"| {p.Step} | {p.TrainLoss:F3} | {p.HeldOutLoss:F3} | {p.HeldOutAccuracy:P1} | {p.LearningRate:E2} | {TimeSpan.FromSeconds(p.Seconds):hh\\:mm\\:ss} |");
        }

        File.WriteAllText(Path.Combine(directory, "README.md"), text.ToString());
    }
}
