using Microsoft.ML.Lamda.Adapters;
using Microsoft.ML.Lamda.Checkpoints;
using Microsoft.ML.Lamda.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Benchmarks;

/// <summary>Builds the randomly initialised encoders and adapter configurations the harness measures.</summary>
internal static class BenchmarkModels
{
    /// <summary>A random encoder of <paramref name="shape"/> with a two-class head, on <paramref name="device"/> (cpu, cuda, cuda:N), in <paramref name="dtype"/>.</summary>
    public static SequenceClassificationModel Create(ModelShape shape, ScalarType dtype, long seed = 0, string device = "cpu")
    {
        manual_seed(seed);
        return SequenceClassificationModel.Create(Config(shape), new SequenceClassificationModelOptions { NumLabels = 2, Device = device, DType = dtype });
    }

    /// <summary>Waits for the GPU's queued work, so that a stopwatch read next includes it (nothing on CPU).</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }

    /// <summary>The adapter configuration of a variant (the same targets for every adapter method: all six linear layers per block).</summary>
    public static AdapterConfig Adapters(TrainingVariant variant, int rank, IReadOnlyList<string> head) => new()
    {
        Method = variant switch
        {
            TrainingVariant.Lora => AdapterMethod.Lora,
            TrainingVariant.LamdaPlusPlus => AdapterMethod.LamdaPlusPlus,
            TrainingVariant.FullFineTuning => AdapterMethod.FullFineTuning,
            _ => AdapterMethod.Lamda,
        },
        Rank = rank,
        ModulesToSave = head,
        // "During freezing" keeps every PMB column trainable through the measured steps; the other LaMDA
        // variants are frozen completely before measuring (see TrainingStepBenchmark).
        FreezeSteps = variant == TrainingVariant.LamdaDuringFreezing ? 1_000_000 : 1,
    };

    /// <summary>Parses a dtype name.</summary>
    public static ScalarType DType(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"Unknown dtype '{name}': expected float32 or bfloat16."),
    };

    private static EncoderConfig Config(ModelShape shape) => shape.Family switch
    {
        ModelFamily.Bert => new EncoderConfig
        {
            ModelType = "bert", VocabSize = shape.Vocabulary, HiddenSize = shape.Hidden, NumHiddenLayers = shape.Layers,
            NumAttentionHeads = shape.Heads, IntermediateSize = shape.Intermediate, PoolerHiddenSize = shape.Hidden,
        },
        ModelFamily.DebertaV3 => new EncoderConfig
        {
            ModelType = "deberta-v2", VocabSize = shape.Vocabulary, HiddenSize = shape.Hidden, NumHiddenLayers = shape.Layers,
            NumAttentionHeads = shape.Heads, IntermediateSize = shape.Intermediate, PoolerHiddenSize = shape.Hidden,
            TypeVocabSize = 0, LayerNormEps = 1e-7, RelativeAttention = true, PositionBuckets = shape.PositionBuckets,
            MaxRelativePositions = -1, ShareAttentionKey = true, NormalizeRelativeEmbeddings = true,
            PositionAttentionTypes = ["p2c", "c2p"], PositionBiasedInput = false,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };
}
