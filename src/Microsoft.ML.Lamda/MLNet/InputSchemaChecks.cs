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
