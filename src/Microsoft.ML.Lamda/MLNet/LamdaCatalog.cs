using Microsoft.ML.Data;
using Microsoft.ML.Lamda;

namespace Microsoft.ML;

/// <summary>Catalog entries of the LaMDA trainers.</summary>
public static class LamdaCatalog
{
    /// <summary>
    /// Fine-tunes a pretrained transformer encoder to classify text with LaMDA (or LaMDA++, LoRA, full
    /// fine-tuning). The label must be a key (e.g. from <c>MapValueToKey</c>).
    /// </summary>
    /// <param name="catalog">The multiclass classification trainers.</param>
    /// <param name="labelColumnName">Label column, a key.</param>
    /// <param name="sentence1ColumnName">Text column of the (first) sentence.</param>
    /// <param name="sentence2ColumnName">Text column of the second sentence of a pair, or null.</param>
    /// <param name="scoreColumnName">Output column of class probabilities.</param>
    /// <param name="predictedLabelColumnName">Output column of the predicted class (a key).</param>
    /// <param name="modelPath">Folder of the pretrained encoder checkpoint (config.json, model.safetensors, tokenizer files).</param>
    /// <param name="method">Adapter method.</param>
    /// <param name="rank">Adapter rank.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="maxEpochs">Passes over the training data at most.</param>
    /// <param name="validationSet">Data scored after each epoch to keep the best epoch.</param>
    public static LamdaTextClassificationTrainer Lamda(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label,
        string sentence1ColumnName = "Sentence1",
        string? sentence2ColumnName = null,
        string scoreColumnName = DefaultColumnNames.Score,
        string predictedLabelColumnName = DefaultColumnNames.PredictedLabel,
        string? modelPath = null,
        AdapterMethod method = AdapterMethod.Lamda,
        int rank = LamdaTrainerOptions.DefaultRank,
        int batchSize = 32,
        int maxEpochs = 10,
        IDataView? validationSet = null) =>
        catalog.Lamda(new LamdaTextClassificationTrainer.Options
        {
            LabelColumnName = labelColumnName,
            Sentence1ColumnName = sentence1ColumnName,
            Sentence2ColumnName = sentence2ColumnName,
            ScoreColumnName = scoreColumnName,
            PredictedLabelColumnName = predictedLabelColumnName,
            ModelPath = modelPath,
            Method = method,
            Rank = rank,
            BatchSize = batchSize,
            MaxEpochs = maxEpochs,
            ValidationSet = validationSet,
        });

    /// <summary>Fine-tunes a pretrained transformer encoder to classify text, with every setting in <paramref name="options"/>.</summary>
    /// <param name="catalog">The multiclass classification trainers.</param>
    /// <param name="options">The trainer's settings.</param>
    public static LamdaTextClassificationTrainer Lamda(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        LamdaTextClassificationTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new LamdaTextClassificationTrainer(CatalogUtils.GetEnvironment(catalog), options);
    }

    /// <summary>
    /// Fine-tunes a pretrained transformer encoder to score the similarity of sentence pairs (regression on a
    /// <see cref="float"/> label) with LaMDA (or LaMDA++, LoRA, full fine-tuning).
    /// </summary>
    /// <param name="catalog">The regression trainers.</param>
    /// <param name="labelColumnName">Label column, a <see cref="float"/> similarity.</param>
    /// <param name="sentence1ColumnName">Text column of the first sentence.</param>
    /// <param name="sentence2ColumnName">Text column of the second sentence.</param>
    /// <param name="scoreColumnName">Output column of the predicted similarity.</param>
    /// <param name="modelPath">Folder of the pretrained encoder checkpoint (config.json, model.safetensors, tokenizer files).</param>
    /// <param name="method">Adapter method.</param>
    /// <param name="rank">Adapter rank.</param>
    /// <param name="batchSize">Rows per batch.</param>
    /// <param name="maxEpochs">Passes over the training data at most.</param>
    /// <param name="validationSet">Data scored after each epoch to keep the best epoch.</param>
    public static LamdaSentenceSimilarityTrainer LamdaSentenceSimilarity(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label,
        string sentence1ColumnName = "Sentence1",
        string sentence2ColumnName = "Sentence2",
        string scoreColumnName = DefaultColumnNames.Score,
        string? modelPath = null,
        AdapterMethod method = AdapterMethod.Lamda,
        int rank = LamdaTrainerOptions.DefaultRank,
        int batchSize = 32,
        int maxEpochs = 10,
        IDataView? validationSet = null) =>
        catalog.LamdaSentenceSimilarity(new LamdaSentenceSimilarityTrainer.Options
        {
            LabelColumnName = labelColumnName,
            Sentence1ColumnName = sentence1ColumnName,
            Sentence2ColumnName = sentence2ColumnName,
            ScoreColumnName = scoreColumnName,
            ModelPath = modelPath,
            Method = method,
            Rank = rank,
            BatchSize = batchSize,
            MaxEpochs = maxEpochs,
            ValidationSet = validationSet,
        });

    /// <summary>Fine-tunes a pretrained transformer encoder to score sentence similarity, with every setting in <paramref name="options"/>.</summary>
    /// <param name="catalog">The regression trainers.</param>
    /// <param name="options">The trainer's settings.</param>
    public static LamdaSentenceSimilarityTrainer LamdaSentenceSimilarity(this RegressionCatalog.RegressionTrainers catalog,
        LamdaSentenceSimilarityTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new LamdaSentenceSimilarityTrainer(CatalogUtils.GetEnvironment(catalog), options);
    }
}
