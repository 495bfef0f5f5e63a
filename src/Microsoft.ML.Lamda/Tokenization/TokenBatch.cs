using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>A padded batch of encoded rows as int64 tensors of shape [batch, sequence]. Dispose it to free the tensors.</summary>
public sealed class TokenBatch : IDisposable
{
    internal TokenBatch(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        TokenTypeIds = tokenTypeIds;
    }

    /// <summary>Token ids, padded on the right with the pad token id.</summary>
    public Tensor InputIds { get; }

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>Token type (segment) ids, 0 on padding.</summary>
    public Tensor TokenTypeIds { get; }

    /// <summary>Rows in the batch.</summary>
    public int BatchSize => (int)InputIds.shape[0];

    /// <summary>Padded length (the longest row).</summary>
    public int SequenceLength => (int)InputIds.shape[1];

    /// <summary>Disposes the three tensors.</summary>
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        TokenTypeIds.Dispose();
    }

    /// <summary>Pads <paramref name="rows"/> to the longest one and builds one tensor per field on <paramref name="device"/>.</summary>
    internal static TokenBatch Collate(IReadOnlyList<EncodedText> rows, int padTokenId, Device device)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(device);
        if (rows.Count == 0) throw new ArgumentException("Cannot collate an empty list of rows.", nameof(rows));
        int length = 0;
        for (int r = 0; r < rows.Count; r++)
            length = Math.Max(length, (rows[r] ?? throw new ArgumentException($"Row {r} is null.", nameof(rows))).Length);
        var ids = new long[rows.Count * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        Array.Fill(ids, padTokenId);
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            int offset = r * length;
            for (int t = 0; t < row.Length; t++)
            {
                ids[offset + t] = row.Ids[t];
                mask[offset + t] = 1;
                types[offset + t] = row.TypeIds[t];
            }
        }
        long[] shape = [rows.Count, length];
        return new TokenBatch(
            torch.tensor(ids, shape, ScalarType.Int64, device),
            torch.tensor(mask, shape, ScalarType.Int64, device),
            torch.tensor(types, shape, ScalarType.Int64, device));
    }
}
