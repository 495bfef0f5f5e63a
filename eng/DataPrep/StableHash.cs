using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>A hash of a string that is the same on every machine and run (unlike <see cref="string.GetHashCode()"/>).</summary>
public static class StableHash
{
    /// <summary>The first eight bytes of the SHA-256 digest of <paramref name="text"/>'s UTF-8 bytes, read little-endian.</summary>
    /// <param name="text">The text to hash.</param>
    public static ulong Of(string text) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
