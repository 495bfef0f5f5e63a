namespace Microsoft.ML.Lamda.Training;

/// <summary>
/// A fixed per-element multiplier of one 2-D parameter's optimizer step: element (i, j) of the step is multiplied by
/// Rows[i] · Columns[j]. A one-element array applies to every row (or column). AdamW with a step scale C on a parameter
/// P is Adam on P / C (up to ε): the scale decides what one learning rate means for that parameter.
/// </summary>
/// <param name="Rows">Row factors: one per row, or one for all rows.</param>
/// <param name="Columns">Column factors: one per column, or one for all columns.</param>
public sealed record StepScale(IReadOnlyList<float> Rows, IReadOnlyList<float> Columns)
{
    /// <summary>Checks the factors against <paramref name="shape"/>; throws naming <paramref name="parameterName"/>.</summary>
    internal void Validate(string parameterName, long[] shape)
    {
        if (shape.Length != 2)
            throw new ArgumentException($"A step scale was given for '{parameterName}', which has {shape.Length} dimensions: step scales apply to 2-D parameters only.");
        Check(Rows, shape[0], "rows");
        Check(Columns, shape[1], "columns");

        void Check(IReadOnlyList<float> factors, long size, string what)
        {
            if (factors.Count != 1 && factors.Count != size)
                throw new ArgumentException($"The step scale of '{parameterName}' has {factors.Count} {what} factors: expected 1 or {size}.");
            foreach (var f in factors)
                if (!(f > 0 && float.IsFinite(f)))
                    throw new ArgumentException($"The step scale of '{parameterName}' has the {what} factor {f}: expected finite positive numbers.");
        }
    }
}
