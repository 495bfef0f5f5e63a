using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Data.IO;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lamda;

/// <summary>
/// The label's key values (class names), whatever their item type: a typed getter over them, and their
/// serialization in a model file (ML.NET's binary type-and-value format).
/// </summary>
internal static class KeyValuesCodec
{
    private static readonly MethodInfo MakeGetterOfMethod = typeof(KeyValuesCodec).GetMethod(nameof(MakeGetterOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo WriteOfMethod = typeof(KeyValuesCodec).GetMethod(nameof(WriteOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo NamesOfMethod = typeof(KeyValuesCodec).GetMethod(nameof(NamesOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo AnnotationsOfMethod = typeof(KeyValuesCodec).GetMethod(nameof(AnnotationsOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The key values of key column <paramref name="column"/> as text, or null when it has none.</summary>
    public static string[]? ValuesAsText(DataViewSchema.Column column)
    {
        var values = column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
        if (values is null || values.Value.Type is not VectorDataViewType) return null;
        return Names(column.Annotations, values.Value);
    }

    /// <summary>A <c>ValueGetter&lt;VBuffer&lt;T&gt;&gt;</c> over the key values held in <paramref name="annotations"/>.</summary>
    public static Delegate MakeGetter(DataViewSchema.Annotations annotations, DataViewSchema.Column values) =>
        (Delegate)MakeGetterOfMethod.MakeGenericMethod(values.Type.GetItemType().RawType).Invoke(null, [annotations, values])!;

    /// <summary>The key values as text (class names), in key order.</summary>
    public static string[] Names(DataViewSchema.Annotations annotations, DataViewSchema.Column values) =>
        (string[])NamesOfMethod.MakeGenericMethod(values.Type.GetItemType().RawType).Invoke(null, [annotations, values])!;

    /// <summary>Writes the key values' type and value to <paramref name="stream"/>.</summary>
    public static void Write(IHost host, Stream stream, DataViewSchema.Annotations annotations, DataViewSchema.Column values)
    {
        try
        {
            WriteOfMethod.MakeGenericMethod(values.Type.GetItemType().RawType).Invoke(null, [host, stream, annotations, values]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>Reads key values written by <see cref="Write"/> as a KeyValues annotation.</summary>
    public static DataViewSchema.Annotations Read(IHostEnvironment env, Stream stream)
    {
        var saver = new BinarySaver(env, new BinarySaver.Arguments());
        env.CheckDecode(saver.TryLoadTypeAndValue(stream, out var type, out var value), "The label's key values could not be read.");
        env.CheckDecode(type is VectorDataViewType && value is not null, "The label's key values are not a vector.");
        return (DataViewSchema.Annotations)AnnotationsOfMethod.MakeGenericMethod(type.GetItemType().RawType).Invoke(null, [type, value])!;
    }

    private static ValueGetter<VBuffer<T>> MakeGetterOf<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column values)
    {
        var stored = default(VBuffer<T>);
        annotations.GetValue(values.Name, ref stored);
        return (ref VBuffer<T> destination) => stored.CopyTo(ref destination);
    }

    private static string[] NamesOf<T>(DataViewSchema.Annotations annotations, DataViewSchema.Column values)
    {
        var stored = default(VBuffer<T>);
        annotations.GetValue(values.Name, ref stored);
        return stored.DenseValues().Select(value => value?.ToString() ?? "").ToArray();
    }

    private static void WriteOf<T>(IHost host, Stream stream, DataViewSchema.Annotations annotations, DataViewSchema.Column values)
    {
        var value = default(VBuffer<T>);
        annotations.GetValue(values.Name, ref value);
        var saver = new BinarySaver(host, new BinarySaver.Arguments());
        if (!saver.TryWriteTypeAndValue(stream, (VectorDataViewType)values.Type, ref value, out _))
            throw host.Except($"The label's key values of type {values.Type} cannot be saved.");
    }

    private static DataViewSchema.Annotations AnnotationsOf<T>(DataViewType type, object value)
    {
        var stored = (VBuffer<T>)value;
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(AnnotationUtils.Kinds.KeyValues, type, (ref VBuffer<T> destination) => stored.CopyTo(ref destination));
        return builder.ToAnnotations();
    }
}
