using TorchSharp.Modules;

namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// Tells <see cref="AdamW"/> which columns of a parameter may still change (LaMDA's gradually frozen B).
/// Columns outside the range get no update of any kind: no gradient step, no moment, no weight decay.
/// </summary>
public interface ITrainableColumnSource
{
    /// <summary>
    /// Gives the trainable columns of <paramref name="parameter"/> and returns true, or returns false when the
    /// parameter is not column-restricted (it is trained whole). The range may only shrink over time.
    /// </summary>
    bool TryGetTrainableColumns(Parameter parameter, out ColumnRange columns);
}
