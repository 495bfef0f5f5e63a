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

    /// <summary>Checks, without changing anything, that the child can be replaced by a module of type <paramref name="replacementType"/>.</summary>
    /// <exception cref="ArgumentException">A field or container of the parent holds the child with a type that cannot hold the replacement.</exception>
    public static void EnsureReplaceable(Module parent, string childName, string fullName, Type replacementType)
        => Plan(parent, childName, fullName, replacementType);

    /// <summary>Replaces the child <paramref name="childName"/> of <paramref name="parent"/> with <paramref name="replacement"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="EnsureReplaceable"/>; nothing is changed then.</exception>
    public static void Replace(Module parent, string childName, string fullName, Module replacement)
    {
        foreach (var apply in Plan(parent, childName, fullName, replacement.GetType()))
            apply(replacement);
    }

    private static List<Action<Module>> Plan(Module parent, string childName, string fullName, Type replacementType)
    {
        var children = (OrderedDict<string, Module>)Submodules.GetValue(parent)!;
        var original = children[childName];
        var actions = new List<Action<Module>> { m => children[childName] = m };
        for (var type = parent.GetType(); type is not null && type != typeof(Module); type = type.BaseType)
            foreach (var field in type.GetFields(InstanceFields))
                PlanField(parent, field, original, replacementType, fullName, actions);
        return actions;
    }

    private static void PlanField(Module parent, FieldInfo field, Module original, Type replacementType, string fullName, List<Action<Module>> actions)
    {
        var value = field.GetValue(parent);
        if (ReferenceEquals(value, original))
        {
            if (!field.FieldType.IsAssignableFrom(replacementType))
                throw new ArgumentException($"Module '{fullName}' is held in field '{field.Name}' of {parent.GetType().Name} typed {field.FieldType.Name}, which cannot hold a {replacementType.Name}; declare the field as Module<Tensor, Tensor>.", nameof(parent));
            actions.Add(m => field.SetValue(parent, m));
        }
        else if (value is IList list && !list.IsReadOnly)
        {
            var itemType = value.GetType().IsGenericType ? value.GetType().GetGenericArguments()[0] : typeof(object);
            for (int i = 0; i < list.Count; i++)
            {
                int index = i;
                if (ReferenceEquals(list[i], original))
                {
                    EnsureHolds(itemType, replacementType, fullName);
                    actions.Add(m => list[index] = m);
                }
                else if (list[i] is ITuple { Length: 2 } pair && pair[0] is string key && ReferenceEquals(pair[1], original))
                {
                    EnsureHolds(itemType.IsGenericType ? itemType.GetGenericArguments()[1] : typeof(object), replacementType, fullName);
                    var tupleType = pair.GetType();
                    actions.Add(m => list[index] = Activator.CreateInstance(tupleType, key, m));
                }
            }
        }
        else if (value is IDictionary dictionary)
        {
            var itemType = value.GetType().IsGenericType ? value.GetType().GetGenericArguments()[^1] : typeof(object);
            foreach (var key in dictionary.Keys.Cast<object>().ToList())
            {
                if (!ReferenceEquals(dictionary[key], original)) continue;
                EnsureHolds(itemType, replacementType, fullName);
                actions.Add(m => dictionary[key] = m);
            }
        }
    }

    private static void EnsureHolds(Type itemType, Type replacementType, string fullName)
    {
        if (!itemType.IsAssignableFrom(replacementType))
            throw new ArgumentException($"Module '{fullName}' sits in a container of {itemType.Name}, which cannot hold a {replacementType.Name}; use a ModuleList or ModuleDict of Module<Tensor, Tensor>.", nameof(itemType));
    }
}
