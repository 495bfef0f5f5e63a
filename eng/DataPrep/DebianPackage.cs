namespace Microsoft.ML.Lamda.DataPrep;

/// <summary>A binary package of the archive with its English description.</summary>
/// <param name="Name">The binary package's name (<c>Package</c> field).</param>
/// <param name="Source">The source package it is built from (<c>Source</c> field without version; the package name when absent).</param>
/// <param name="Section">The archive section without its <c>contrib/</c>, <c>non-free/</c> or <c>non-free-firmware/</c> prefix.</param>
/// <param name="Tags">The package's debtags (<c>Tag</c> field), possibly empty.</param>
/// <param name="Description">The short and long description as one line of normalised text.</param>
public sealed record DebianPackage(string Name, string Source, string Section, IReadOnlyList<string> Tags, string Description);
