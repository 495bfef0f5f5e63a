using System.Buffers.Binary;
using System.Text;

namespace Microsoft.ML.Lamda.Fuzzing;

/// <summary>
/// Byte- and text-level mutations of a valid file: truncation, bit flips, interesting integers written over length
/// and offset fields, inserted, deleted and spliced ranges, and for JSON or text files numbers replaced by extreme
/// values, deep nesting and broken structure. Each mutation says what it did, for the report.
/// </summary>
public sealed class Mutator(Random random)
{
    private static readonly long[] InterestingIntegers =
    [
        0, 1, -1, 2, 7, 8, 255, 256, 4096, 65535, 65536, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, uint.MaxValue,
        (long)uint.MaxValue + 1, long.MaxValue, long.MinValue, 100_000_000, 100_000_001, 1L << 40, 1L << 62,
    ];

    private static readonly string[] InterestingNumbers =
    [
        "0", "-1", "1e308", "-1e308", "1e400", "2147483648", "9223372036854775808", "99999999999999999999999", "0.5", "-0", "NaN", "1e-400", "1000000000",
    ];

    /// <summary>Returns a mutated copy of <paramref name="data"/> and a description of the change.</summary>
    public (byte[] Data, string Description) Mutate(byte[] data, bool isText)
    {
        int choice = random.Next(isText ? 12 : 9);
        return choice switch
        {
            0 => Truncate(data),
            1 or 2 => FlipBits(data),
            3 or 4 => WriteInteger(data),
            5 => InsertRandom(data),
            6 => DeleteRange(data),
            7 => Splice(data),
            8 => data.Length > 0 && random.Next(4) == 0 ? ([], "emptied") : WriteInteger(data),
            9 => ReplaceNumber(data),
            10 => DeepNesting(data),
            _ => TextDamage(data),
        };
    }

    private (byte[], string) Truncate(byte[] data)
    {
        int length = random.Next(data.Length + 1);
        return (data[..length], $"truncated to {length} of {data.Length} bytes");
    }

    private (byte[], string) FlipBits(byte[] data)
    {
        if (data.Length == 0) return (data, "nothing to flip");
        var copy = (byte[])data.Clone();
        int flips = 1 + random.Next(8);
        // Most formats keep their structure at the start: flip there more often.
        int range = random.Next(2) == 0 ? Math.Min(copy.Length, 256) : copy.Length;
        var positions = new List<int>();
        for (int i = 0; i < flips; i++)
        {
            int position = random.Next(range);
            copy[position] ^= (byte)(1 << random.Next(8));
            positions.Add(position);
        }
        return (copy, $"flipped bits at {string.Join(", ", positions)}");
    }

    private (byte[], string) WriteInteger(byte[] data)
    {
        var copy = (byte[])data.Clone();
        if (copy.Length < 8) return FlipBits(copy);
        int position = random.Next(2) == 0 ? random.Next(Math.Min(copy.Length - 7, 64)) : random.Next(copy.Length - 7);
        long value = InterestingIntegers[random.Next(InterestingIntegers.Length)];
        bool wide = random.Next(2) == 0;
        if (wide) BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(position), value);
        else BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(position), (int)value);
        return (copy, $"wrote {(wide ? "int64" : "int32")} {value} at {position}");
    }

    private (byte[], string) InsertRandom(byte[] data)
    {
        int position = random.Next(data.Length + 1);
        var inserted = new byte[1 + random.Next(64)];
        random.NextBytes(inserted);
        return ([.. data.AsSpan(0, position), .. inserted, .. data.AsSpan(position)], $"inserted {inserted.Length} random bytes at {position}");
    }

    private (byte[], string) DeleteRange(byte[] data)
    {
        if (data.Length == 0) return (data, "nothing to delete");
        int start = random.Next(data.Length);
        int length = 1 + random.Next(Math.Min(256, data.Length - start));
        return ([.. data.AsSpan(0, start), .. data.AsSpan(start + length)], $"deleted {length} bytes at {start}");
    }

    private (byte[], string) Splice(byte[] data)
    {
        if (data.Length < 2) return FlipBits(data);
        int from = random.Next(data.Length);
        int length = 1 + random.Next(Math.Min(128, data.Length - from));
        int to = random.Next(data.Length - length + 1);
        var copy = (byte[])data.Clone();
        Array.Copy(data, from, copy, to, length);
        return (copy, $"copied {length} bytes from {from} to {to}");
    }

    private (byte[], string) ReplaceNumber(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        var numbers = System.Text.RegularExpressions.Regex.Matches(text, @"-?\d+(\.\d+)?([eE][-+]?\d+)?");
        if (numbers.Count == 0) return TextDamage(data);
        var match = numbers[random.Next(numbers.Count)];
        var value = InterestingNumbers[random.Next(InterestingNumbers.Length)];
        return (Encoding.UTF8.GetBytes(text[..match.Index] + value + text[(match.Index + match.Length)..]), $"number '{match.Value}' at {match.Index} replaced by {value}");
    }

    private (byte[], string) DeepNesting(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        int depth = random.Next(2) == 0 ? 100_000 : 70;
        int position = text.IndexOf(':') is int colon and >= 0 ? colon + 1 : 0;
        bool array = random.Next(2) == 0;
        var nested = array ? new string('[', depth) + "1" + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        int end = position;
        while (end < text.Length && text[end] is not (',' or '}')) end++;
        return (Encoding.UTF8.GetBytes(text[..position] + nested + text[end..]), $"value at {position} replaced by {(array ? "arrays" : "objects")} nested {depth} deep");
    }

    private (byte[], string) TextDamage(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        if (text.Length == 0) return (Encoding.UTF8.GetBytes("{"), "empty text replaced by '{'");
        int position = random.Next(text.Length);
        string[] replacements = ["\"", "{", "}", "[", "]", ",", ":", "null", "\\u0000", "\\uD800", "\0", "\uFFFD", "true", "\"\"", "{}", "[]"];
        var replacement = replacements[random.Next(replacements.Length)];
        int removed = random.Next(Math.Min(4, text.Length - position) + 1);
        return (Encoding.UTF8.GetBytes(text[..position] + replacement + text[(position + removed)..]), $"{removed} characters at {position} replaced by '{replacement}'");
    }
}
