namespace Microsoft.ML.Lamda.Tests;

/// <summary>
/// A fact that runs only when <c>$LAMDA_TEST_DEVICE</c> names a CUDA device (eng/gpu-smoke.sh sets it); elsewhere xunit
/// reports it as skipped, with the reason.
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the tests run on CPU.</summary>
    public CudaFactAttribute()
    {
        bool onCpu;
        try
        {
            onCpu = TestDevice.Parse(Environment.GetEnvironmentVariable(TestDevice.Variable)) == "cpu";
        }
        catch (InvalidOperationException)
        {
            onCpu = false; // not a reason to skip: the test fails with the variable's message
        }
        if (onCpu)
            Skip = $"GPU only: set {TestDevice.Variable}=cuda (or cuda:N) on a CUDA build to run it (eng/gpu-smoke.sh does).";
    }
}
