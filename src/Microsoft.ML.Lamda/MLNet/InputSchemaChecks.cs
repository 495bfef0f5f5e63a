using Microsoft.ML.Data;

namespace Microsoft.ML.Lamda;

/// <summary>Checks of input columns, with messages that name the column, what was found and what was expected.</summary>
internal static class InputSchemaChecks
{
    /// <summary>The column must exist and hold text.</summary>
    public static void CheckText(DataViewSchema schema, string name, string role)
    {
        var column = Find(schema, name, role);
        if (column.Type is not TextDataViewType)
            throw new ArgumentException($"Column '{name}' ({role}) has type {column.Type}; expected text (String).", nameof(schema));
    }

    /// <summary>The column must exist (in an estimator's schema shape) and hold scalar text.</summary>
    public static void CheckText(SchemaShape schema, string name, string role)
    {
        var column = Find(schema, name, role);
        if (column.ItemType is not TextDataViewType || column.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentException($"Column '{name}' ({role}) has type {column.GetTypeString()}; expected text (String).", nameof(schema));
    }

    /// <summary>The classification label must be a key of at least two values; returns the class count.</summary>
    public static int CheckKeyLabel(DataViewSchema schema, string name)
    {
        var column = Find(schema, name, "label");
        if (column.Type is not KeyDataViewType key)
            throw new ArgumentException($"Label column '{name}' has type {column.Type}; expected a key type. Convert it first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"{name}\").", nameof(schema));
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentException($"Label column '{name}' is a key of {key.Count} value(s); classification needs at least two classes.", nameof(schema));
        return (int)key.Count;
    }

    /// <summary>The classification label (in an estimator's schema shape) must be a scalar key.</summary>
    public static SchemaShape.Column CheckKeyLabel(SchemaShape schema, string name)
    {
        var column = Find(schema, name, "label");
        if (!column.IsKey || column.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentException($"Label column '{name}' has type {column.GetTypeString()}; expected a key type. Convert it first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"{name}\").", nameof(schema));
        return column;
    }

    /// <summary>The similarity label must be a <see cref="float"/>.</summary>
    public static void CheckSingleLabel(DataViewSchema schema, string name)
    {
        var column = Find(schema, name, "label");
        if (column.Type != NumberDataViewType.Single)
            throw new ArgumentException($"Label column '{name}' has type {column.Type}; expected Single (float). Convert it first, e.g. mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single).", nameof(schema));
    }

    /// <summary>The similarity label (in an estimator's schema shape) must be a scalar <see cref="float"/>.</summary>
    public static void CheckSingleLabel(SchemaShape schema, string name)
    {
        var column = Find(schema, name, "label");
        if (column.ItemType != NumberDataViewType.Single || column.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentException($"Label column '{name}' has type {column.GetTypeString()}; expected Single (float). Convert it first, e.g. mlContext.Transforms.Conversion.ConvertType(\"{name}\", outputKind: DataKind.Single).", nameof(schema));
    }

    /// <summary>The validation set must have the training data's columns, with the same types.</summary>
    public static void CheckSameColumns(DataViewSchema training, DataViewSchema validation, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var expected = training[name].Type;
            var column = validation.GetColumnOrNull(name)
                ?? throw new ArgumentException($"The validation set lacks column '{name}' of the training data; it has columns: {ColumnList(validation)}.", nameof(LamdaTrainerOptions.ValidationSet));
            if (!column.Type.Equals(expected))
                throw new ArgumentException($"Validation set column '{name}' has type {column.Type}; the training data's column has type {expected}.", nameof(LamdaTrainerOptions.ValidationSet));
        }
    }

    /// <summary>The data must hold at least one row; <paramref name="what"/> names it in the message ("training data", "validation set").</summary>
    public static void CheckHasRows(IDataView data, string what, string parameterName)
    {
        long? count = data.GetRowCount();
        if (count is null)
        {
            using var cursor = data.GetRowCursor([]);
            count = cursor.MoveNext() ? 1 : 0;
        }
        if (count == 0)
            throw new ArgumentException($"The {what} has no rows: there is nothing to {(what == "training data" ? "train on" : "score")}.", parameterName);
    }

    /// <summary>
    /// The validation set's key label must map the same values to the same keys as the training data's (else its
    /// metrics would compare other classes), and hold no value the training data's key lacks.
    /// </summary>
    public static void CheckSameLabelKeys(DataViewSchema training, DataViewSchema validation, string name)
    {
        if (training.GetColumnOrNull(name) is not { Type: KeyDataViewType } trainingColumn
            || validation.GetColumnOrNull(name) is not { Type: KeyDataViewType } validationColumn) return;
        var trainingValues = KeyValuesCodec.ValuesAsText(trainingColumn);
        var validationValues = KeyValuesCodec.ValuesAsText(validationColumn);
        if (trainingValues is null || validationValues is null) return;
        var unknown = validationValues.Except(trainingValues, StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Validation set label '{name}' has key value(s) the training data's key lacks: {Quoted(unknown)}. Key both with one MapValueToKey fitted on the training data.", nameof(LamdaTrainerOptions.ValidationSet));
        if (!validationValues.SequenceEqual(trainingValues, StringComparer.Ordinal))
            throw new ArgumentException($"Validation set label '{name}' maps its values to other keys than the training data's ({Quoted(validationValues)} against {Quoted(trainingValues)}). Key both with one MapValueToKey fitted on the training data.", nameof(LamdaTrainerOptions.ValidationSet));
    }

    private static string Quoted(IEnumerable<string> values)
    {
        var list = values.Take(6).ToList();
        return string.Join(", ", list.Take(5).Select(v => $"'{v}'")) + (list.Count > 5 ? ", ..." : "");
    }

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name)
        ?? throw new ArgumentException($"Column '{name}' ({role}) was not found in the input data; it has columns: {ColumnList(schema)}.", nameof(schema));

    private static SchemaShape.Column Find(SchemaShape schema, string name, string role) =>
        schema.TryFindColumn(name, out var column)
            ? column
            : throw new ArgumentException($"Column '{name}' ({role}) was not found in the input data; it has columns: {string.Join(", ", schema.Select(c => c.Name))}.", nameof(schema));

    private static string ColumnList(DataViewSchema schema) =>
        string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"{c.Name} ({c.Type})"));
}
