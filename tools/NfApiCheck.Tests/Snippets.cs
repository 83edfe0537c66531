// Test helpers: the real API listings, stubs built once per test run, and throw-away .nfproj
// projects (nfproj + packages.config + C# files in a temp directory) to run the checker on.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NfApiCheck;
using Xunit;

namespace NfApiCheck.Tests;

public sealed class StubFixture
{
    public string ApiDirectory { get; }
    internal ApiCatalog Catalog { get; }
    internal StubSet Stubs { get; }
    internal ProjectChecker Checker { get; }

    public StubFixture()
    {
        ApiDirectory = Program.DefaultApiDirectory(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException("tests must run inside the repository (shared/ beside it)");
        Catalog = ApiCatalog.Load(ApiDirectory);
        Stubs = StubCompiler.Build(Catalog);
        Checker = new ProjectChecker(Stubs);
    }
}

[CollectionDefinition("stubs")]
public sealed class StubCollection : ICollectionFixture<StubFixture> { }

/// <summary>A throw-away nanoFramework project on disk.</summary>
internal sealed class SnippetProject : IDisposable
{
    public string Directory { get; }
    public string NfprojPath { get; }

    public static readonly string[] AppReferences = { "mscorlib", "System.Math", "System.Device.I2c", "nanoFramework.Hardware.Esp32", "System.IO.Ports" };

    private SnippetProject(string directory, string nfproj) { Directory = directory; NfprojPath = nfproj; }

    public static string PackageId(string assembly) => assembly == "mscorlib" ? "nanoFramework.CoreLibrary" : assembly.StartsWith("nanoFramework.", StringComparison.Ordinal) ? assembly : "nanoFramework." + assembly;

    /// <param name="files">file name (relative to the project directory, may start with "..") -> content</param>
    /// <param name="compileItems">Compile Include values; default: every key of <paramref name="files"/>, backslashed</param>
    /// <param name="packages">packages.config ids; default: the packages of <paramref name="references"/></param>
    public static SnippetProject Create(IReadOnlyDictionary<string, string> files, IEnumerable<string>? references = null,
        IEnumerable<string>? compileItems = null, string extraProperties = "", IEnumerable<string>? packages = null,
        string extraItems = "", string name = "Snippet")
    {
        string root = Path.Combine(Path.GetTempPath(), "nfapicheck-" + Guid.NewGuid().ToString("N"));
        string dir = Path.Combine(root, name);
        System.IO.Directory.CreateDirectory(dir);
        foreach (var (file, content) in files)
        {
            string path = Path.GetFullPath(Path.Combine(dir, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
        var refs = (references ?? AppReferences).ToList();
        var items = compileItems ?? files.Keys.Select(k => k.Replace('/', '\\'));
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
          .Append("<Project ToolsVersion=\"Current\" DefaultTargets=\"Build\" xmlns=\"http://schemas.microsoft.com/developer/msbuild/2003\">\n")
          .Append("  <PropertyGroup>\n    <OutputType>Library</OutputType>\n    <AssemblyName>").Append(name).Append("</AssemblyName>\n")
          .Append(extraProperties).Append("  </PropertyGroup>\n  <ItemGroup>\n");
        foreach (var item in items) sb.Append("    <Compile Include=\"").Append(item).Append("\" />\n");
        sb.Append("  </ItemGroup>\n  <ItemGroup>\n");
        foreach (var r in refs)
            sb.Append("    <Reference Include=\"").Append(r).Append("\">\n      <HintPath>..\\packages\\").Append(PackageId(r))
              .Append(".1.0.0\\lib\\").Append(r).Append(".dll</HintPath>\n    </Reference>\n");
        sb.Append("  </ItemGroup>\n").Append(extraItems).Append("</Project>\n");
        string nfproj = Path.Combine(dir, name + ".nfproj");
        File.WriteAllText(nfproj, sb.ToString());
        var config = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<packages>\n");
        foreach (var id in packages ?? refs.Select(PackageId))
            config.Append("  <package id=\"").Append(id).Append("\" version=\"1.0.0\" targetFramework=\"netnano1.0\" />\n");
        File.WriteAllText(Path.Combine(dir, "packages.config"), config.Append("</packages>\n").ToString());
        return new SnippetProject(root, nfproj);
    }

    /// <summary>A project with one file, Code.cs, holding <paramref name="body"/> inside a class's method.</summary>
    public static SnippetProject Method(string usings, string body, IEnumerable<string>? references = null) =>
        Create(new Dictionary<string, string> { ["Code.cs"] = $"{usings}\nnamespace Snippet\n{{\n    public class Code\n    {{\n        public static void Run()\n        {{\n{body}\n        }}\n    }}\n}}\n" }, references);

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
