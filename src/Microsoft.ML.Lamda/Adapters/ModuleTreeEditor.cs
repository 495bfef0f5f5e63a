using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp.Utils;
using Module = TorchSharp.torch.nn.Module;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>
/// Swaps a registered child module for another in place: the parent's registered-submodule entry (keeping its
/// position, so names and order of parameters are unchanged) and every C# reference the parent holds to it
/// (fields, the list behind a ModuleList, the list and dictionary behind a ModuleDict).
/// </summary>
internal static class ModuleTreeEditor
{
    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    private static readonly FieldInfo Submodules = typeof(Module).GetField("_internal_submodules", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("This TorchSharp version does not keep submodules in Module._internal_submodules; the adapter injector cannot replace layers.");

    /// <summary>Replaces the child <paramref name="childName"/> of <paramref name="parent"/> with <paramref name="replacement"/>.</summary>
    /// <exception cref="ArgumentException">A field of the parent holds the child with a type that cannot hold the replacement.</exception>
    public static void Replace(Module parent, string childName, string fullName, Module replacement)
    {
        var children = (OrderedDict<string, Module>)Submodules.GetValue(parent)!;
        var original = children[childName];
        children[childName] = replacement;
        for (var type = parent.GetType(); type is not null && type != typeof(Module); type = type.BaseType)
            foreach (var field in type.GetFields(InstanceFields))
                ReplaceIn(parent, field, original, replacement, fullName);
    }

    private static void ReplaceIn(Module parent, FieldInfo field, Module original, Module replacement, string fullName)
    {
        var value = field.GetValue(parent);
        if (ReferenceEquals(value, original))
        {
            if (!field.FieldType.IsInstanceOfType(replacement))
                throw new ArgumentException($"Module '{fullName}' is held in field '{field.Name}' of {parent.GetType().Name} typed {field.FieldType.Name}, which cannot hold an adapter; declare the field as Module<Tensor, Tensor>.", nameof(parent));
            field.SetValue(parent, replacement);
        }
        else if (value is IList list && !list.IsReadOnly)
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (ReferenceEquals(list[i], original)) SetListItem(list, i, replacement, fullName);
                else if (list[i] is ITuple { Length: 2 } pair && pair[0] is string key && ReferenceEquals(pair[1], original))
                    SetListItem(list, i, Activator.CreateInstance(pair.GetType(), key, replacement)!, fullName);
            }
        }
        else if (value is IDictionary dictionary)
        {
            foreach (var key in dictionary.Keys.Cast<object>().ToList())
                if (ReferenceEquals(dictionary[key], original)) SetDictionaryItem(dictionary, key, replacement, fullName);
        }
    }

    private static void SetListItem(IList list, int index, object item, string fullName)
    {
        try { list[index] = item; }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Module '{fullName}' sits in a container whose element type cannot hold an adapter; use a ModuleList<Module<Tensor, Tensor>> (or ModuleDict of that type).", nameof(list), e);
        }
    }

    private static void SetDictionaryItem(IDictionary dictionary, object key, object item, string fullName)
    {
        try { dictionary[key] = item; }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Module '{fullName}' sits in a container whose element type cannot hold an adapter; use a ModuleDict<Module<Tensor, Tensor>>.", nameof(dictionary), e);
        }
    }
}
