using System.Buffers.Binary;
using System.Text;
using Microsoft.ML.Lamda.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Checkpoints;

public class SafetensorsTests
{
    [Fact]
    public void Round_trip_keeps_names_shapes_dtypes_values_and_metadata()
    {
        using var folder = CheckpointFolder.Empty();
        var file = Path.Combine(folder.Path, "t.safetensors");
        torch.manual_seed(1);
        using var a = torch.randn(3, 5);
        using var b = torch.randn(7).to(ScalarType.Float16);
        using var c = torch.randn(2, 2, 2).to(ScalarType.BFloat16);
        using var empty = torch.zeros(0, 4);
        SafetensorsWriter.Write(file, [KeyValuePair.Create("a", a), KeyValuePair.Create("b.weight", b), KeyValuePair.Create("c", c), KeyValuePair.Create("empty", empty)],
            metadata: new Dictionary<string, string> { ["format"] = "pt" });

        using var reader = SafetensorsReader.Open(file);
        Assert.Equal(["a", "b.weight", "c", "empty"], reader.Tensors.Keys);
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(0, (8 + BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(file).AsSpan(0, 8))) % 8);
        foreach (var (name, expected) in new[] { ("a", a), ("b.weight", b), ("c", c), ("empty", empty) })
        {
            using var actual = reader.Read(name);
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(actual.equal(expected).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Writer_converts_to_the_requested_dtype()
    {
        using var folder = CheckpointFolder.Empty();
        var file = Path.Combine(folder.Path, "t.safetensors");
        using var a = torch.tensor(new float[] { 1.5f, -2.25f, 3.0f });
        SafetensorsWriter.Write(file, [KeyValuePair.Create("a", a)], ScalarType.BFloat16);
        using var reader = SafetensorsReader.Open(file);
        Assert.Equal("BF16", reader.Tensors["a"].DType);
        using var read = reader.Read("a");
        Assert.Equal(new float[] { 1.5f, -2.25f, 3.0f }, read.to(ScalarType.Float32).data<float>().ToArray());
    }

    private const string ValidHeader = """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}""";

    public static TheoryData<string, string, long, string> CorruptHeaders => new()
    {
        { "bad JSON", """{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]""", 36, "not valid JSON" },
        { "not an object", "[1,2,3]", 36, "must be a JSON object" },
        { "unsupported dtype", ValidHeader.Replace("\"dtype\":\"F32\",\"shape\":[3]", "\"dtype\":\"I64\",\"shape\":[3]"), 36, "tensor 'b' has unsupported dtype 'I64'" },
        { "float64", ValidHeader.Replace("\"dtype\":\"F32\",\"shape\":[2,3]", "\"dtype\":\"F64\",\"shape\":[2,3]"), 36, "tensor 'w' has unsupported dtype 'F64'" },
        { "unknown dtype", ValidHeader.Replace("\"dtype\":\"F32\",\"shape\":[3]", "\"dtype\":\"Q7\",\"shape\":[3]"), 36, "tensor 'b' has unknown dtype 'Q7'" },
        { "shape and size disagree", ValidHeader.Replace("[2,3]", "[2,4]"), 36, "tensor 'w': shape [2, 4] of F32 needs 32 bytes" },
        { "negative dimension", ValidHeader.Replace("[2,3]", "[-2,3]"), 36, "'shape' must hold non-negative integers" },
        { "offsets outside the data", ValidHeader.Replace("[24,36]", "[36,48]"), 36, "lie outside the data section of 36 bytes" },
        { "offsets reversed", ValidHeader.Replace("[24,36]", "[36,24]"), 36, "end before they begin" },
        { "overlapping ranges", ValidHeader.Replace("\"shape\":[3],\"data_offsets\":[24,36]", "\"shape\":[3],\"data_offsets\":[20,32]"), 36, "overlap" },
        { "metadata not strings", ValidHeader.Replace("\"format\":\"pt\"", "\"format\":3"), 36, "'__metadata__' entry 'format' must be a string" },
        { "missing shape", """{"w":{"dtype":"F32","data_offsets":[0,24]}}""", 24, "has no array 'shape'" },
        { "truncated data", ValidHeader, 30, "outside the data section of 30 bytes" },
    };

    [Theory]
    [MemberData(nameof(CorruptHeaders))]
    public void Corrupt_header_gives_an_error_naming_the_file_and_the_problem(string _, string header, long dataBytes, string problem)
    {
        using var folder = CheckpointFolder.Empty();
        var file = Path.Combine(folder.Path, "bad.safetensors");
        File.WriteAllBytes(file, FileBytes(Encoding.UTF8.GetBytes(header), dataBytes));
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(file).Dispose());
        Assert.Equal(file, error.FilePath);
        Assert.StartsWith(file, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData(1000L, "runs past the end of the file")]
    [InlineData(200_000_000L, "exceeds the limit of 100000000 bytes")]
    [InlineData(-1L, "exceeds the limit")]
    public void Header_length_outside_the_file_or_over_100MB_is_refused(long length, string problem)
    {
        using var folder = CheckpointFolder.Empty();
        var file = Path.Combine(folder.Path, "bad.safetensors");
        var bytes = FileBytes(Encoding.UTF8.GetBytes(ValidHeader), 36);
        BinaryPrimitives.WriteInt64LittleEndian(bytes, length);
        File.WriteAllBytes(file, bytes);
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(file).Dispose());
        Assert.Contains(file, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_refused()
    {
        using var folder = CheckpointFolder.Empty();
        var file = Path.Combine(folder.Path, "tiny.safetensors");
        File.WriteAllBytes(file, [1, 2, 3]);
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(file).Dispose());
        Assert.Contains("too short", error.Message);
    }

    [Fact]
    public void Truncated_fixture_file_is_refused()
    {
        using var folder = CheckpointFolder.CopyOf("bert-cls3");
        var bytes = File.ReadAllBytes(folder.WeightsFile);
        File.WriteAllBytes(folder.WeightsFile, bytes[..^100]);
        var error = Assert.Throws<CheckpointFormatException>(() => SafetensorsReader.Open(folder.WeightsFile).Dispose());
        Assert.Contains("outside the data section", error.Message);
    }

    [Fact]
    public void Random_header_mutations_only_ever_raise_CheckpointFormatException()
    {
        using var folder = CheckpointFolder.Empty();
        var file = Path.Combine(folder.Path, "fuzz.safetensors");
        var header = Encoding.UTF8.GetBytes(ValidHeader);
        var alphabet = Encoding.UTF8.GetBytes("{}[],:\"0123456789-.eE FBI_\\u");
        var random = new Random(12345);
        int accepted = 0;
        for (int round = 0; round < 400; round++)
        {
            var mutated = header.ToArray();
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(mutated.Length);
                mutated[at] = random.Next(3) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }
            File.WriteAllBytes(file, FileBytes(mutated, random.Next(30, 40)));
            try
            {
                using var reader = SafetensorsReader.Open(file);
                foreach (var name in reader.Tensors.Keys)
                    reader.Read(name).Dispose();
                accepted++;
            }
            catch (CheckpointFormatException e)
            {
                Assert.Contains(file, e.Message);
            }
        }
        Assert.InRange(accepted, 0, 399);
    }

    private static byte[] FileBytes(byte[] header, long dataBytes)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
