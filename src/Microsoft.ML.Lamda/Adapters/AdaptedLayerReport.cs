namespace Microsoft.ML.Lamda.Adapters;

/// <summary>One adapted layer in an <see cref="AdapterReport"/>.</summary>
/// <param name="Name">Dotted module name.</param>
/// <param name="InFeatures">d_in.</param>
/// <param name="OutFeatures">d_out.</param>
/// <param name="Rank">The layer's adapter rank.</param>
/// <param name="EnergyScore">e(r) at the configured uniform rank (LaMDA and LaMDA++), or null (LoRA).</param>
/// <param name="TrainableParameters">Values the optimizer updates now.</param>
public sealed record AdaptedLayerReport(string Name, long InFeatures, long OutFeatures, int Rank, double? EnergyScore, long TrainableParameters);
