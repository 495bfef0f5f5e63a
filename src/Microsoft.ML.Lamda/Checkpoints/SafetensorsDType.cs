using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Checkpoints;

/// <summary>Maps the dtype names of the safetensors format to TorchSharp scalar types.</summary>
internal static class SafetensorsDType
{
    private static readonly Dictionary<string, ScalarType> Supported = new(StringComparer.Ordinal)
    {
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
    };

    private static readonly HashSet<string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        "F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64",
    };

    /// <summary>The names this library reads and writes.</summary>
    public static IReadOnlyCollection<string> SupportedNames => Supported.Keys;

    /// <summary>Whether <paramref name="name"/> is a dtype of the format that this library does not read.</summary>
    public static bool IsKnownUnsupported(string name) => KnownUnsupported.Contains(name);

    /// <summary>The scalar type for a supported dtype name.</summary>
    public static bool TryGetScalarType(string name, out ScalarType type) => Supported.TryGetValue(name, out type);

    /// <summary>Bytes per element for a supported dtype name.</summary>
    public static int ElementSize(string name) => name == "F32" ? 4 : 2;

    /// <summary>The dtype name for a tensor type, or null when the format support of this library does not cover it.</summary>
    public static string? NameOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        _ => null,
    };
}
