// MambaNano's command line over the nanoFramework MetadataProcessor's shared sources.
//
//   nfmdp compile IN.dll OUT.pe [--corelib] [--ref REF.dll]... [--exclude CLASS]... [--native-table]
//       Turns a .NET assembly into a nanoCLR .pe (and its .pdbx), resolving references by
//       assembly name to the --ref files and leaving out the --exclude classes (a project's
//       NFMDP_PE_ExcludeClassByName items; --corelib is its NF_IsCoreLibrary). Prints the
//       native checksum the firmware's CLR_RT_NativeAssemblyData must carry, and with
//       --native-table then the native method lookup table, one entry a line, in the order and
//       naming of the MDP's generated <Assembly>.cpp (NULL for a method with IL).
//   nfmdp resx IN.resx OUT.resources
//       Writes a binary .resources from a .resx: inline strings and ResXFileRef files of type
//       System.Byte[] or System.String, as nanoFramework's build embeds them for the MDP.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Resources;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Mono.Cecil;
using nanoFramework.Tools.MetadataProcessor;
using nanoFramework.Tools.MetadataProcessor.Core.Extensions;

namespace MambaNano.Tools.MetadataProcessor
{
    internal static class Program
    {
        private const string Usage =
            "usage: nfmdp compile IN.dll OUT.pe [--corelib] [--ref REF.dll]... [--exclude CLASS]...\n" +
            "                     [--native-table]\n" +
            "       nfmdp resx IN.resx OUT.resources";

        private static int Main(string[] args)
        {
            // The MDP orders type tables with culture-sensitive string sorting (OrderBy on
            // FullName): nanoFramework builds it on en-US machines, whose order the firmware's
            // method tables and checksums follow ("nanoFramework.X" before "System.Y").
            CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = new CultureInfo("en-US");
            try
            {
                switch (args.FirstOrDefault())
                {
                    case "compile":
                        return Compile(args.Skip(1).ToArray());
                    case "resx":
                        return args.Length == 3 ? Resx(args[1], args[2]) : Fail(Usage);
                    default:
                        return Fail(Usage);
                }
            }
            catch (UsageException e)
            {
                return Fail($"error: {e.Message}\n{Usage}");
            }
            catch (Exception e) when (e is InvalidDataException || e is IOException
                                      || e is AssemblyResolutionException || e is XmlException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        }

        private static int Fail(string message)
        {
            Console.Error.WriteLine(message);
            return 2;
        }

        private sealed class UsageException : Exception
        {
            public UsageException(string message) : base(message) { }
        }

        private static int Compile(string[] args)
        {
            var positional = new List<string>();
            var hints = new Dictionary<string, string>(StringComparer.Ordinal);
            var excluded = new List<string>();
            bool isCoreLibrary = false, nativeTable = false;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--corelib":
                        isCoreLibrary = true;
                        break;
                    case "--native-table":
                        nativeTable = true;
                        break;
                    case "--ref":
                        var path = Path.GetFullPath(OptionValue(args, ref i));
                        hints[AssemblyNameOf(path)] = path;
                        break;
                    case "--exclude":
                        excluded.Add(OptionValue(args, ref i));
                        break;
                    default:
                        if (args[i].StartsWith("--")) throw new UsageException($"unknown option {args[i]}");
                        positional.Add(args[i]);
                        break;
                }
            }
            if (positional.Count != 2) throw new UsageException("compile takes IN.dll and OUT.pe");
            var (input, output) = (positional[0], positional[1]);

            var assembly = AssemblyDefinition.ReadAssembly(input,
                new ReaderParameters { AssemblyResolver = new LoadHintsAssemblyResolver(hints) });
            var builder = new nanoAssemblyBuilder(assembly, excluded, false, isCoreLibrary);

            // As upstream's console: a first pass fills the tables, Minimize drops what nothing
            // uses, and the second pass writes the .pe.
            using (var firstPass = new MemoryStream())
            using (var writer = new BinaryWriter(firstPass))
            {
                builder.Write(nanoBinaryWriter.CreateLittleEndianBinaryWriter(writer));
            }
            builder.Minimize();

            var peBytes = new MemoryStream();
            using (var writer = new BinaryWriter(peBytes, Encoding.UTF8, leaveOpen: true))
            {
                builder.Write(nanoBinaryWriter.CreateLittleEndianBinaryWriter(writer));
            }
            File.WriteAllBytes(output, peBytes.ToArray());
            using (var pdbx = XmlWriter.Create(Path.ChangeExtension(output, "pdbx")))
            {
                builder.Write(pdbx);
            }

            Console.WriteLine(
                $"{assembly.Name.Name}: {peBytes.Length} bytes, native checksum {builder.GetNativeChecksum()}");
            if (nativeTable)
            {
                foreach (var entry in NativeMethodTable(builder.TablesContext))
                {
                    Console.WriteLine(entry);
                }
            }
            return 0;
        }

        private static string OptionValue(string[] args, ref int i)
        {
            if (i + 1 == args.Length) throw new UsageException($"{args[i]} needs a value");
            return args[++i];
        }

        private static string AssemblyNameOf(string path)
        {
            using (var module = ModuleDefinition.ReadModule(path))
            {
                return module.Assembly.Name.Name;
            }
        }

        // The method_lookup[] of the MDP's generated <Assembly>.cpp (nanoSkeletonGenerator's
        // GenerateAssemblyLookup, which renders it through mustache-sharp): for each type with
        // methods, in type-table order, one entry per method in the table's method order.
        private static IEnumerable<string> NativeMethodTable(nanoTablesContext context)
        {
            var project = context.AssemblyDefinition.Name.Name.Replace('.', '_');
            foreach (var type in context.TypeDefinitionTable.Items.Where(t => t.HasMethods))
            {
                var stubbed = type.IncludeInStub()
                    && !type.IsToExclude()
                    && !nanoTablesContext.IgnoringAttributes.Contains(type.FullName);
                var className = NativeMethodsCrc.GetClassName(type);
                foreach (var method in nanoTablesContext.GetOrderedMethods(type.Methods))
                {
                    var isNative = context.ByteCodeTable.GetMethodRva(method) == 0xFFFF && !method.IsAbstract;
                    yield return stubbed && isNative
                        ? $"Library_{project}_{className}::{NativeMethodsCrc.GetMethodName(method)}"
                        : "NULL";
                }
            }
        }

        private static int Resx(string input, string output)
        {
            var baseDir = Path.GetDirectoryName(Path.GetFullPath(input));
            var resources = new MemoryStream();
            using (var writer = new ResourceWriter(resources))
            {
                foreach (var data in XDocument.Load(input).Root.Elements("data"))
                {
                    var name = (string)data.Attribute("name");
                    var type = (string)data.Attribute("type");
                    var value = (string)data.Element("value") ?? "";
                    if (type == null && data.Attribute("mimetype") == null)
                    {
                        writer.AddResource(name, value);
                    }
                    else if (type != null && type.StartsWith("System.Resources.ResXFileRef,", StringComparison.Ordinal))
                    {
                        AddFileRef(writer, baseDir, name, value);
                    }
                    else
                    {
                        throw new InvalidDataException(
                            $"{input}: resource '{name}' is neither a string nor a ResXFileRef");
                    }
                }
                writer.Generate();
            }
            File.WriteAllBytes(output, resources.ToArray());
            return 0;
        }

        // A ResXFileRef value is "path;type[;encoding]", the path relative to the .resx.
        private static void AddFileRef(ResourceWriter writer, string baseDir, string name, string value)
        {
            var parts = value.Split(';');
            var path = Path.Combine(baseDir, parts[0].Trim().Replace('\\', Path.DirectorySeparatorChar));
            var type = parts.Length > 1 ? parts[1].Trim() : "";
            if (type.StartsWith("System.Byte[],", StringComparison.Ordinal))
            {
                writer.AddResource(name, File.ReadAllBytes(path));
            }
            else if (type.StartsWith("System.String,", StringComparison.Ordinal))
            {
                var encoding = parts.Length > 2 ? Encoding.GetEncoding(parts[2].Trim()) : Encoding.UTF8;
                writer.AddResource(name, File.ReadAllText(path, encoding));
            }
            else
            {
                throw new InvalidDataException(
                    $"resource '{name}': linked file type '{type}' is not System.Byte[] or System.String");
            }
        }
    }
}
