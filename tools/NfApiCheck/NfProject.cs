// What the checker needs from a legacy-style .nfproj: the C# files it compiles (<Compile Include>,
// linked "..\" paths too), the assemblies it references (<Reference Include> / HintPath), its
// <ProjectReference>s, LangVersion, DefineConstants, AllowUnsafeBlocks, OutputType, AssemblyName,
// and the packages.config beside it. MSBuild is not run: nanoFramework's project system cannot be
// installed here, so only literal item and property values are read.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace NfApiCheck;

internal sealed record SourceLocation(string Path, int Line, int Column);

internal sealed record AssemblyReference(string Name, string? HintPath, SourceLocation Location);

internal sealed record PackageEntry(string Id, string Version, SourceLocation Location);

internal sealed class NfProject
{
    public required string Path { get; init; }
    public required string AssemblyName { get; init; }
    public required bool IsExe { get; init; }
    public required bool AllowUnsafe { get; init; }
    public string? LangVersion { get; init; }
    public SourceLocation? LangVersionLocation { get; init; }
    public required IReadOnlyList<string> DefineConstants { get; init; }
    public required IReadOnlyList<(string File, SourceLocation Item)> CompileItems { get; init; }
    public required IReadOnlyList<AssemblyReference> References { get; init; }
    public required IReadOnlyList<(string Path, SourceLocation Item)> ProjectReferences { get; init; }
    public required IReadOnlyList<PackageEntry> Packages { get; init; }
    public string? PackagesConfigPath { get; init; }
    /// <summary>Problems found while reading the project (missing files, unresolvable items).</summary>
    public required IReadOnlyList<(SourceLocation Location, string Message)> Problems { get; init; }

    public string Directory => System.IO.Path.GetDirectoryName(Path)!;
    public SourceLocation Top => new(Path, 1, 1);

    /// <summary>The symbol nanoFramework's project system defines for every .nfproj.</summary>
    public const string NanoFrameworkSymbol = "NANOFRAMEWORK_1_0";

    private static SourceLocation Loc(string path, XObject x) =>
        x is IXmlLineInfo li && li.HasLineInfo() ? new SourceLocation(path, li.LineNumber, li.LinePosition) : new SourceLocation(path, 1, 1);

    private static string Native(string msbuildPath) => msbuildPath.Replace('\\', System.IO.Path.DirectorySeparatorChar);

    public static NfProject Load(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        var doc = XDocument.Load(path, LoadOptions.SetLineInfo);
        string dir = System.IO.Path.GetDirectoryName(path)!;
        var problems = new List<(SourceLocation, string)>();
        var elements = doc.Descendants().ToList();
        IEnumerable<XElement> Named(string local) => elements.Where(e => e.Name.LocalName == local);

        // Properties: unconditioned groups plus the Debug configuration (what VS builds and deploys by default).
        bool Active(XElement e) => e.AncestorsAndSelf().All(a => a.Attribute("Condition") is not { } c || c.Value.Contains("Debug", StringComparison.Ordinal));
        string? Prop(string name) => Named(name).Where(Active).Select(e => e.Value.Trim()).LastOrDefault(v => v.Length > 0);
        XElement? PropElement(string name) => Named(name).Where(Active).LastOrDefault();

        var defines = new List<string> { NanoFrameworkSymbol };
        foreach (var e in Named("DefineConstants").Where(Active))
            defines.AddRange(e.Value.Split(';', ',').Select(s => s.Trim()).Where(s => s.Length > 0 && !s.StartsWith("$(", StringComparison.Ordinal)));

        var compile = new List<(string, SourceLocation)>();
        foreach (var item in Named("Compile"))
        {
            var include = item.Attribute("Include")?.Value;
            if (include == null) continue;
            foreach (var pattern in include.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0))
            {
                var loc = Loc(path, item);
                if (pattern.Contains("$(", StringComparison.Ordinal))
                {
                    problems.Add((loc, $"<Compile Include=\"{pattern}\"> uses an MSBuild property the checker cannot evaluate"));
                    continue;
                }
                var files = Expand(dir, Native(pattern));
                if (files.Count == 0) problems.Add((loc, $"<Compile Include=\"{pattern}\"> matches no file"));
                compile.AddRange(files.Select(f => (f, loc)));
            }
        }

        var references = new List<AssemblyReference>();
        foreach (var item in Named("Reference"))
        {
            var include = item.Attribute("Include")?.Value;
            if (include == null) continue;
            string name = include.Split(',')[0].Trim();
            string? hint = item.Elements().FirstOrDefault(e => e.Name.LocalName == "HintPath")?.Value.Trim();
            references.Add(new AssemblyReference(name, hint, Loc(path, item)));
        }

        var projectRefs = Named("ProjectReference")
            .Where(e => e.Attribute("Include") != null)
            .Select(e => (System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, Native(e.Attribute("Include")!.Value))), Loc(path, e)))
            .ToList();

        var packages = new List<PackageEntry>();
        string configPath = System.IO.Path.Combine(dir, "packages.config");
        bool hasConfig = File.Exists(configPath);
        if (hasConfig)
        {
            var config = XDocument.Load(configPath, LoadOptions.SetLineInfo);
            foreach (var p in config.Descendants().Where(e => e.Name.LocalName == "package"))
                packages.Add(new PackageEntry(p.Attribute("id")?.Value ?? "", p.Attribute("version")?.Value ?? "", Loc(configPath, p)));
        }

        var langElement = PropElement("LangVersion");
        return new NfProject
        {
            Path = path,
            AssemblyName = Prop("AssemblyName") ?? System.IO.Path.GetFileNameWithoutExtension(path),
            IsExe = string.Equals(Prop("OutputType"), "Exe", StringComparison.OrdinalIgnoreCase),
            AllowUnsafe = string.Equals(Prop("AllowUnsafeBlocks"), "true", StringComparison.OrdinalIgnoreCase),
            LangVersion = langElement?.Value.Trim(),
            LangVersionLocation = langElement == null ? null : Loc(path, langElement),
            DefineConstants = defines.Distinct(StringComparer.Ordinal).ToList(),
            CompileItems = compile,
            References = references,
            ProjectReferences = projectRefs,
            Packages = packages,
            PackagesConfigPath = hasConfig ? configPath : null,
            Problems = problems,
        };
    }

    /// <summary>Expands an Include pattern relative to <paramref name="dir"/> ("*" and "**" supported).</summary>
    private static List<string> Expand(string dir, string pattern)
    {
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, pattern));
        if (!full.Contains('*') && !full.Contains('?'))
            return File.Exists(full) ? new List<string> { full } : new List<string>();
        int wild = full.IndexOfAny(new[] { '*', '?' });
        string root = full.Substring(0, full.LastIndexOf(System.IO.Path.DirectorySeparatorChar, wild));
        string rest = full.Substring(root.Length + 1).Replace(System.IO.Path.DirectorySeparatorChar, '/');
        var regex = new Regex("^" + Regex.Escape(rest).Replace(@"\*\*/", "(.*/)?").Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]") + "$");
        if (!System.IO.Directory.Exists(root)) return new List<string>();
        return System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => regex.IsMatch(f.Substring(root.Length + 1).Replace(System.IO.Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
    }

    private static readonly Regex HintPackage = new(@"packages[\\/](?<id>.+?)\.(?<version>\d+(\.\d+)+(-[^\\/]+)?)[\\/]", RegexOptions.Compiled);

    /// <summary>The NuGet package id and version a HintPath points into ("..\packages\Id.1.2.3\lib\X.dll").</summary>
    public static (string Id, string Version)? PackageOfHintPath(string hintPath)
    {
        var m = HintPackage.Match(hintPath);
        return m.Success ? (m.Groups["id"].Value, m.Groups["version"].Value) : null;
    }
}
