using Mono.Cecil;

/// <summary>
/// Makes a type and its methods and fields public (nested types are visited by the caller through GetTypes).
/// Protected members stay protected, so that overrides of them keep their usual form.
/// </summary>
internal static class AccessPublicizer
{
    public static void MakePublic(TypeDefinition type)
    {
        if (type.IsNested)
        {
            if (!type.IsNestedFamily && !type.IsNestedFamilyOrAssembly)
                type.IsNestedPublic = true;
        }
        else
        {
            type.IsPublic = true;
        }

        foreach (var method in type.Methods)
        {
            if (!method.IsFamily && !method.IsFamilyOrAssembly)
                method.IsPublic = true;
        }

        var eventNames = new HashSet<string>(type.Events.Select(e => e.Name));
        foreach (var field in type.Fields)
        {
            // A field that backs an event has the event's name; publishing it would make the event name ambiguous.
            if (!field.IsFamily && !field.IsFamilyOrAssembly && !eventNames.Contains(field.Name))
                field.IsPublic = true;
        }
    }
}
