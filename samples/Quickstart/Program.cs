using TorchSharp;

// Placeholder until the bundled encoder and data set land (issue 6): proves TorchSharp loads.
using var x = torch.randn(4, 8);
Console.WriteLine($"TorchSharp {torch.__version__} works: tensor of shape [{string.Join(", ", x.shape)}].");
