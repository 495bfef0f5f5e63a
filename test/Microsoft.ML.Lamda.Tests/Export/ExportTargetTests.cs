using Microsoft.ML.Lamda.Export;

namespace Microsoft.ML.Lamda.Tests.Export;

/// <summary>A failed export leaves nothing behind, and what existed before stays as it was.</summary>
public sealed class ExportTargetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lamda-target-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_failure_while_writing_files_leaves_no_file_and_keeps_the_old_ones()
    {
        File.WriteAllText(Path.Combine(_directory, "model.onnx"), "old");
        var error = Assert.Throws<InvalidOperationException>(() => ExportTarget.WriteFiles(_directory, ["model.onnx", "vocab.txt"], overwrite: true, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "model.onnx"), "new");
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal("disk full", error.Message);
        Assert.Equal(["model.onnx"], Directory.GetFileSystemEntries(_directory).Select(path => Path.GetFileName(path)!).ToArray());
        Assert.Equal("old", File.ReadAllText(Path.Combine(_directory, "model.onnx")));
    }

    [Fact]
    public void A_failure_while_writing_a_folder_leaves_no_folder()
    {
        var target = Path.Combine(_directory, "hf");
        Assert.Throws<InvalidOperationException>(() => ExportTarget.WriteFolder(target, overwrite: false, staging =>
        {
            File.WriteAllText(Path.Combine(staging, "config.json"), "{}");
            throw new InvalidOperationException("disk full");
        }));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void An_empty_file_or_folder_may_be_replaced_without_overwrite()
    {
        File.WriteAllText(Path.Combine(_directory, "model.onnx"), "");
        ExportTarget.WriteFiles(_directory, ["model.onnx"], overwrite: false, staging => File.WriteAllText(Path.Combine(staging, "model.onnx"), "graph"));
        Assert.Equal("graph", File.ReadAllText(Path.Combine(_directory, "model.onnx")));
        var folder = Directory.CreateDirectory(Path.Combine(_directory, "hf")).FullName;
        ExportTarget.WriteFolder(folder, overwrite: false, staging => File.WriteAllText(Path.Combine(staging, "config.json"), "{}"));
        Assert.Equal(["config.json"], Directory.GetFiles(folder).Select(path => Path.GetFileName(path)!).ToArray());
    }
}
