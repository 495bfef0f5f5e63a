using Mono.Cecil;

// Usage: Publicizer <output directory> <assembly path>...
// Writes each assembly to the output directory with every type, method, field and nested type public.
if (args.Length < 2)
{
    Console.Error.WriteLine("Usage: Publicizer <output directory> <assembly path>...");
    return 2;
}

var outputDirectory = args[0];
Directory.CreateDirectory(outputDirectory);
var resolver = new DefaultAssemblyResolver();
foreach (var path in args.Skip(1))
    resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);

foreach (var path in args.Skip(1))
{
    using var assembly = AssemblyDefinition.ReadAssembly(path, new ReaderParameters { AssemblyResolver = resolver });
    foreach (var type in assembly.MainModule.GetTypes())
        AccessPublicizer.MakePublic(type);
    assembly.Write(Path.Combine(outputDirectory, Path.GetFileName(path)));
}
return 0;
