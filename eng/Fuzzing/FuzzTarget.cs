namespace Microsoft.ML.Lamda.Fuzzing;

/// <summary>
/// One reader under test: the seed folder it reads, the files of that folder the fuzzer mutates, how the reader is
/// driven over a (mutated) copy of the folder, and the exception types its documentation promises.
/// </summary>
/// <param name="Name">Short name used in reports and on the command line.</param>
/// <param name="Seed">The seed folder (<see cref="SeedFolders"/>) copied for every input.</param>
/// <param name="Files">Paths, relative to the folder, of the files that are mutated (one per input).</param>
/// <param name="Read">Reads the folder completely, as the library would (and disposes what it opened).</param>
/// <param name="Expected">Documented exception types: any other is a finding.</param>
/// <param name="NamesFile">Whether the message must name the mutated file (or its folder).</param>
/// <param name="HostExpected">
/// Exception types of a host format the library reads through another library (ML.NET's model archive: its zip,
/// schema and component names), accepted only when no frame of this library threw them.
/// </param>
public sealed record FuzzTarget(string Name, string Seed, IReadOnlyList<string> Files, Action<string> Read, IReadOnlyList<Type> Expected,
    bool NamesFile = true, IReadOnlyList<Type>? HostExpected = null);
