using System.Runtime.CompilerServices;

[assembly: IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: IgnoresAccessChecksTo("Microsoft.ML.Data")]
[assembly: IgnoresAccessChecksTo("Microsoft.ML.DataView")]

namespace System.Runtime.CompilerServices;

/// <summary>
/// Tells the runtime to let this assembly use the internal members of the named assembly. The compiler
/// sees them through publicized reference copies (eng/PublicizedReferences.targets); the runtime reads
/// this attribute by name, and the framework does not declare it, so the assembly declares it itself.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute : Attribute
{
    /// <summary>Grants access to the internals of <paramref name="assemblyName"/>.</summary>
    public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;

    /// <summary>The simple name of the assembly whose internals this assembly uses.</summary>
    public string AssemblyName { get; }
}
