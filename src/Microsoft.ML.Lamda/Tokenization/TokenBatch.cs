using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tokenization;

/// <summary>A padded batch of encoded rows as int64 tensors of shape [batch, sequence]. Dispose it to free the tensors.</summary>
/// <remarks>
/// The three fields are built in one host tensor [3, batch, sequence] and copied to the device at once (pinned and
/// asynchronous on CUDA); the ranges of the ids are taken on the host while building, so that a forward pass need not
/// read them back from the device.
/// </remarks>
public sealed class TokenBatch : IDisposable
{
    private readonly Tensor _packed;

    private TokenBatch(Tensor packed, (long Min, long Max) ids, (long Min, long Max) types)
    {
        _packed = packed;
        InputIds = packed.select(0, 0);
        AttentionMask = packed.select(0, 1);
        TokenTypeIds = packed.select(0, 2);
        InputIdRange = ids;
        TokenTypeIdRange = types;
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

    /// <summary>Smallest and largest token id in the batch (the pad id included where a row is padded), known on the host.</summary>
    internal (long Min, long Max) InputIdRange { get; }

    /// <summary>Smallest and largest token type id in the batch, known on the host.</summary>
    internal (long Min, long Max) TokenTypeIdRange { get; }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        TokenTypeIds.Dispose();
        _packed.Dispose();
    }

    /// <summary>Pads <paramref name="rows"/> to the longest one and builds the batch on <paramref name="device"/>.</summary>
    internal static TokenBatch Collate(IReadOnlyList<EncodedText> rows, int padTokenId, Device device)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(device);
        if (rows.Count == 0) throw new ArgumentException("Cannot collate an empty list of rows.", nameof(rows));
        int length = 0;
        for (int r = 0; r < rows.Count; r++)
            length = Math.Max(length, (rows[r] ?? throw new ArgumentException($"Row {r} is null.", nameof(rows))).Length);
        int size = rows.Count * length;
        var values = new long[3 * size]; // ids, then mask, then types
        Array.Fill(values, padTokenId, 0, size);
        bool padded = rows.Any(row => row.Length < length);
        long minId = padded ? padTokenId : long.MaxValue, maxId = padded ? padTokenId : long.MinValue, minType = 0, maxType = 0;
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            int offset = r * length;
            for (int t = 0; t < row.Length; t++)
            {
                long id = row.Ids[t], type = row.TypeIds[t];
                values[offset + t] = id;
                values[size + offset + t] = 1;
                values[2 * size + offset + t] = type;
                (minId, maxId) = (Math.Min(minId, id), Math.Max(maxId, id));
                (minType, maxType) = (Math.Min(minType, type), Math.Max(maxType, type));
            }
        }
        var host = torch.tensor(values, [3, rows.Count, length], ScalarType.Int64);
        return new TokenBatch(Training.DeviceTransfer.ToDevice(host, device), (minId, maxId), (minType, maxType));
    }
}
