namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>The part of a data set a text belongs to.</summary>
public enum DataSplit
{
    /// <summary>Training rows (and the only texts the pretraining corpus may hold).</summary>
    Train,

    /// <summary>Validation rows, held out of training and pretraining.</summary>
    Validation,

    /// <summary>Test rows, held out of training and pretraining.</summary>
    Test,
}
