using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Models;

/// <summary>A reference folder of Fixtures/hf-reference: checkpoint plus inputs and transformers' outputs.</summary>
internal sealed class ReferenceFixture
{
    private ReferenceFixture(string directory, long[,] inputIds, long[,] attentionMask, long[,] tokenTypeIds, float[,] logits, float[,,] hidden)
    {
        Directory = directory;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        TokenTypeIds = tokenTypeIds;
        Logits = logits;
        Hidden = hidden;
    }

    public static IEnumerable<string> Names => ["bert-cls3", "roberta-cls2", "debertav3-cls3"];

    public string Directory { get; }
    public long[,] InputIds { get; }
    public long[,] AttentionMask { get; }
    public long[,] TokenTypeIds { get; }
    public float[,] Logits { get; }
    public float[,,] Hidden { get; }

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-reference", name);

    public static ReferenceFixture Load(string name)
    {
        var directory = PathOf(name);
        using var inputs = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "inputs.json")));
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "expected.json")));
        return new ReferenceFixture(directory,
            Matrix<long>(inputs.RootElement.GetProperty("input_ids")),
            Matrix<long>(inputs.RootElement.GetProperty("attention_mask")),
            Matrix<long>(inputs.RootElement.GetProperty("token_type_ids")),
            Matrix<float>(expected.RootElement.GetProperty("logits")),
            Cube(expected.RootElement.GetProperty("last_hidden_state")));
    }

    public Tensor Ids(ScalarType type = ScalarType.Int64) => torch.tensor(InputIds).to(type);
    public Tensor Mask => torch.tensor(AttentionMask);
    public Tensor Types => torch.tensor(TokenTypeIds);

    /// <summary>The largest absolute difference from the reference logits.</summary>
    public double LogitError(Tensor logits) => MaxAbs(logits, torch.tensor(Logits), null);

    /// <summary>The largest absolute difference from the reference hidden states at positions whose mask is 1.</summary>
    public double HiddenError(Tensor hidden) => MaxAbs(hidden, torch.tensor(Hidden), torch.tensor(AttentionMask).unsqueeze(2).to(ScalarType.Bool));

    private static double MaxAbs(Tensor actual, Tensor expected, Tensor? keep)
    {
        using var scope = torch.NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        var difference = (actual.to(ScalarType.Float32).cpu() - expected).abs();
        if (keep is not null) difference = difference.masked_fill(keep.logical_not(), 0);
        return difference.max().item<float>();
    }

    private static T[,] Matrix<T>(JsonElement rows)
    {
        var list = rows.EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.Deserialize<T>()!).ToArray()).ToArray();
        var result = new T[list.Length, list[0].Length];
        for (int i = 0; i < list.Length; i++)
            for (int j = 0; j < list[0].Length; j++)
                result[i, j] = list[i][j];
        return result;
    }

    private static float[,,] Cube(JsonElement batches)
    {
        var list = batches.EnumerateArray().Select(Matrix<float>).ToArray();
        var result = new float[list.Length, list[0].GetLength(0), list[0].GetLength(1)];
        for (int b = 0; b < list.Length; b++)
            for (int i = 0; i < list[b].GetLength(0); i++)
                for (int j = 0; j < list[b].GetLength(1); j++)
                    result[b, i, j] = list[b][i, j];
        return result;
    }
}
