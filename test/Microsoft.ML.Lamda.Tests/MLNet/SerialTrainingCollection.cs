namespace Microsoft.ML.Lamda.Tests.MLNet;

/// <summary>
/// Tests that train run alone, after the parallel ones: initialization and dropout draw from libtorch's
/// process-wide generator, which tests running at the same time would share, making results irreproducible.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTrainingCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "LaMDA training (serial)";
}
