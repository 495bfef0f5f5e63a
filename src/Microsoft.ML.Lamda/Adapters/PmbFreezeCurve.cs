namespace Microsoft.ML.Lamda.Adapters;

/// <summary>The shape of the PMB freezing schedule k(t), the number of frozen columns of B after t steps.</summary>
public enum PmbFreezeCurve
{
    /// <summary>k(t) = ceil(r · (1 − (1 − t/t_i)³)): many columns freeze early (default).</summary>
    Cubic = 0,

    /// <summary>k(t) = ceil(r · t/t_i).</summary>
    Linear = 1,
}
