using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using Microsoft.ML.Lamda.Tokenization;
using Microsoft.ML.Lamda.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Training;

/// <summary>
/// Training steps read nothing back from the device (on a GPU every read is a synchronization that drains the queue).
/// The meta device holds shapes but no values, so any <c>item()</c>, host copy or value-dependent branch throws there:
/// the adapter dropout function (forward and backward) and clipping plus AdamW (frozen columns of B, bfloat16 master
/// copies, decay towards initial values) run on it for several steps. The forward pass cannot (libtorch 2.10 has no
/// meta kernel for the embedding lookup): its id check uses the ranges taken on the host when the batch is built,
/// tested here; the loop keeps losses and norms as device scalars and reads them only when it reports.
/// </summary>
public class NoHostReadTests
{
    private static readonly Device Meta = new(DeviceType.META);

    [Fact]
    public void TheMetaDeviceDetectsReads()
    {
        using var readings = new PendingReadings();
        readings.Add(torch.zeros([], ScalarType.Float32, Meta), 1, 1e-3);
        Assert.ThrowsAny<Exception>(() => readings.Read());
        using var ids = torch.ones(1, 4, ScalarType.Int64, Meta);
        Assert.ThrowsAny<Exception>(() => ids.max().item<long>());
    }

    [Fact]
    public void ABatchIsCheckedOnTheHostWhenBuilt()
    {
        var tokenizer = PretrainedTokenizer.FromDirectory(DefaultEncoder.Directory);
        var rows = new[] { tokenizer.Encode("a tool to convert images", null, 16), tokenizer.Encode("fonts", null, 16) };
        using var batch = tokenizer.Collate(rows, torch.CPU);
        var ids = rows.SelectMany(r => r.Ids.ToArray()).Select(i => (long)i).Append(tokenizer.PadTokenId).ToArray();
        Assert.Equal((ids.Min(), ids.Max()), batch.InputIdRange);
        Assert.Equal((0L, 0L), batch.TokenTypeIdRange);

        // A model whose table is smaller than the largest id refuses the batch from the host-side range.
        var config = EncoderConfig.Load(DefaultEncoder.Directory);
        var small = config with { VocabSize = (int)batch.InputIdRange.Max };
        using var model = SequenceClassificationModel.Create(small, new SequenceClassificationModelOptions { Device = "cpu", NumLabels = 2 });
        var error = Assert.Throws<ArgumentException>(() => model.Forward(batch));
        Assert.Contains("vocab_size", error.Message);
    }

    [Fact]
    public void LamdaDropoutProjectionAndColumnFrozenMasterUpdatesRunOnTheMetaDevice()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.empty([6, 10, 32], device: Meta).requires_grad_();
        var a = torch.empty([4, 32], device: Meta);
        var z = SeededDropoutProjection.apply(x, a, 0.1, 17L);
        z.sum().backward();
        Assert.Equal([6L, 10, 32], x.grad!.shape);

        var b = new TorchSharp.Modules.Parameter(torch.empty([12, 4], ScalarType.BFloat16, Meta));
        var s = new TorchSharp.Modules.Parameter(torch.empty([4, 4], ScalarType.BFloat16, Meta));
        var columns = new FrozenColumns(b);
        using var optimizer = new AdamW([new AdamWParameterGroup([("B", b), ("S", s)], 1e-3, 0.01, decayTowardsInitialValues: true)], columns: columns);
        for (int step = 0; step < 3; step++)
        {
            b.grad = torch.empty([12, 4], ScalarType.BFloat16, Meta);
            s.grad = torch.empty([4, 4], ScalarType.BFloat16, Meta);
            optimizer.ClipGradientNorm(1.0).Dispose();
            optimizer.Step();
            columns.Range = new ColumnRange(step + 1, 3 - step); // columns freeze: the moments are sliced
        }
        Assert.True(optimizer.HasState("S"));
    }

    private sealed class FrozenColumns(TorchSharp.Modules.Parameter b) : ITrainableColumnSource
    {
        public ColumnRange Range { get; set; } = new(0, 4);

        public bool TryGetTrainableColumns(TorchSharp.Modules.Parameter parameter, out ColumnRange range)
        {
            range = Range;
            return ReferenceEquals(parameter, b);
        }
    }
}
