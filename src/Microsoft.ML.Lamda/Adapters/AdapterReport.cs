using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lamda.Adapters;

/// <summary>Trainable-parameter counts (PEFT's summary line) and the per-layer table of an adapted model.</summary>
/// <param name="Method">The method.</param>
/// <param name="TrainableParameters">Values the optimizer updates now (frozen columns of B excluded), head included.</param>
/// <param name="AllParameters">Every parameter value of the model (adapter tensors included).</param>
/// <param name="HeadParameters">Values of the modules trained in full (ModulesToSave), part of <paramref name="TrainableParameters"/>.</param>
/// <param name="Layers">The adapted layers.</param>
public sealed record AdapterReport(AdapterMethod Method, long TrainableParameters, long AllParameters, long HeadParameters, IReadOnlyList<AdaptedLayerReport> Layers)
{
    /// <summary>Trainable share of all parameters, in percent.</summary>
    public double TrainablePercent => AllParameters == 0 ? 0 : 100.0 * TrainableParameters / AllParameters;

    /// <summary>Trainable values outside the head: the adapters (or, for full fine-tuning, the encoder).</summary>
    public long AdapterParameters => TrainableParameters - HeadParameters;

    /// <summary>PEFT's line: <c>trainable params: X || all params: Y || trainable%: Z</c>.</summary>
    public string SummaryLine => string.Create(CultureInfo.InvariantCulture,
        $"trainable params: {TrainableParameters:N0} || all params: {AllParameters:N0} || trainable%: {TrainablePercent:F4}");

    /// <summary>The summary line, the head/adapter split, and the per-layer table.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(SummaryLine);
        text.AppendLine(string.Create(c, $"method: {Method} || adapter params: {AdapterParameters:N0} || head params: {HeadParameters:N0}"));
        if (Layers.Count == 0) return text.ToString();
        int width = Math.Max(5, Layers.Max(l => l.Name.Length));
        text.AppendLine(string.Create(c, $"{"layer".PadRight(width)}  {"d_in",6}  {"d_out",6}  {"rank",5}  {"energy",7}  {"trainable",10}"));
        foreach (var l in Layers)
        {
            string energy = l.EnergyScore is { } e ? e.ToString("F4", c) : "-";
            text.AppendLine(string.Create(c, $"{l.Name.PadRight(width)}  {l.InFeatures,6}  {l.OutFeatures,6}  {l.Rank,5}  {energy,7}  {l.TrainableParameters,10:N0}"));
        }
        return text.ToString();
    }
}
