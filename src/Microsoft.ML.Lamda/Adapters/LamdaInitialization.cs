namespace Microsoft.ML.Lamda.Adapters;

/// <summary>How a LaMDA layer's A, S and B and its main path are initialized.</summary>
public enum LamdaInitialization
{
    /// <summary>A = V_rᵀ, B = U_r, S = (r/α)Σ_r, main path W₀ = W − U_rΣ_rV_rᵀ: the layer starts equal to the pretrained one (default).</summary>
    Spectral = 0,

    /// <summary>A and B random with orthonormal rows/columns, S = 0, W₀ = W (initialization ablation).</summary>
    Random = 1,

    /// <summary>A and B spectral, S = 0, W₀ = W.</summary>
    Zero = 2,
}
