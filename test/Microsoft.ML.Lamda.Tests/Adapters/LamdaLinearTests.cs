using Microsoft.ML.Lamda.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Lamda.Tests.Adapters;

public class LamdaLinearTests
{
    [Theory]
    [InlineData(16, 16, 4, LamdaInitialization.Spectral)]
    [InlineData(24, 10, 9, LamdaInitialization.Spectral)]   // d_out < d_in, r close to min
    [InlineData(10, 24, 10, LamdaInitialization.Spectral)]  // d_out > d_in, r = min
    [InlineData(32, 20, 6, LamdaInitialization.Zero)]
    [InlineData(20, 32, 6, LamdaInitialization.Random)]
    public void AtStepZeroInEvalModeTheLayerComputesThePretrainedLayer(int inFeatures, int outFeatures, int rank, LamdaInitialization initialization)
    {
        torch.manual_seed(inFeatures * 100 + outFeatures);
        using var scope = torch.NewDisposeScope();
        var pretrained = nn.Linear(inFeatures, outFeatures);
        var x = torch.randn(7, 3, inFeatures);
        var expected = pretrained.call(x).detach().clone();
        var layer = new LamdaLinear(pretrained, rank, initialization: initialization);
        layer.eval();
        var actual = layer.call(x);
        TensorAssert.Close(expected, actual, 1e-5);
    }

    [Fact]
    public void SpectralInitializationHoldsTheTopSingularTriplets()
    {
        torch.manual_seed(5);
        using var scope = torch.NewDisposeScope();
        var pretrained = nn.Linear(12, 9);
        var (u, s, vh) = torch.linalg.svd(pretrained.weight.detach(), fullMatrices: false);
        var layer = new LamdaLinear(pretrained, rank: 3, alpha: 6);
        TensorAssert.Close(vh.narrow(0, 0, 3).abs(), layer.ProjectionA.abs(), 1e-5);
        TensorAssert.Close(u.narrow(1, 0, 3).abs(), layer.ProjectionB.abs(), 1e-5);
        TensorAssert.Close(torch.diag(s.narrow(0, 0, 3) * 0.5f), layer.AdapterS, 1e-5);
        Assert.False(layer.ProjectionA.requires_grad);
        Assert.True(layer.AdapterS.requires_grad);
        Assert.True(layer.ProjectionB.requires_grad);
    }

    [Fact]
    public void Bfloat16WeightsKeepTheirDtypeAndStartCloseToThePretrainedLayer()
    {
        torch.manual_seed(6);
        using var scope = torch.NewDisposeScope();
        var pretrained = nn.Linear(32, 16).to(ScalarType.BFloat16);
        var x = torch.randn(4, 32).to(ScalarType.BFloat16);
        var expected = pretrained.call(x).to(ScalarType.Float32).detach().clone();
        var layer = new LamdaLinear(pretrained, rank: 4);
        layer.eval();
        var actual = layer.call(x);
        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        Assert.All(new[] { layer.ProjectionA, layer.AdapterS, layer.ProjectionB, layer.ResidualWeight }, p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        TensorAssert.Close(expected, actual.to(ScalarType.Float32), 3e-2);
        Assert.Equal(ScalarType.BFloat16, layer.Merge().weight.dtype);
    }
}
