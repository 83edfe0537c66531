// nfapicheck: proves that the C# the .nfproj projects compile is nanoFramework 1.x C#.
// Usage: dotnet run --project tools/NfApiCheck -- [--api DIR] PROJECT.nfproj...
// Prints one "path(line,col): error NFAPInnn: message" per violation and a summary; exit code 0
// when there is none, 1 when there are violations, 2 on usage errors. Codes: ProjectChecker.cs.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace NfApiCheck;

internal static class Program
{
    private const string Usage = "usage: NfApiCheck [--api DIR] PROJECT.nfproj... (DIR defaults to ../shared/nanoframework-api beside the repository root)";

    private static int Main(string[] args)
    {
        string? api = null;
        var projects = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--api" && i + 1 < args.Length) api = args[++i];
            else if (args[i] is "-h" or "--help") { Console.WriteLine(Usage); return 0; }
            else if (args[i].StartsWith("-", StringComparison.Ordinal)) { Console.Error.WriteLine($"unknown option {args[i]}\n{Usage}"); return 2; }
            else projects.Add(args[i]);
        }
        if (projects.Count == 0) { Console.Error.WriteLine(Usage); return 2; }
        api ??= DefaultApiDirectory(Directory.GetCurrentDirectory());
        if (api == null || !Directory.Exists(api))
        {
            Console.Error.WriteLine($"NfApiCheck: API listings not found ({api ?? "no repository root above the current directory"}); pass --api DIR");
            return 2;
        }
        var missing = projects.Where(p => !File.Exists(p)).ToList();
        foreach (var p in missing) Console.Error.WriteLine($"{p}(1,1): error NFAPI004: project file does not exist");
        if (missing.Count > 0) return 2;

        return Run(api, projects, Console.Out, Directory.GetCurrentDirectory());
    }

    internal static int Run(string api, IEnumerable<string> projectPaths, TextWriter output, string baseDirectory)
    {
        var catalog = ApiCatalog.Load(api);
        var checker = new ProjectChecker(StubCompiler.Build(catalog));
        int errors = 0, warnings = 0, files = 0, count = 0;
        foreach (var path in projectPaths)
        {
            var result = checker.Check(NfProject.Load(path));
            foreach (var v in result.Violations) output.WriteLine(v.Format(baseDirectory));
            errors += result.Errors;
            warnings += result.Violations.Count - result.Errors;
            files += result.Project.CompileItems.Select(c => c.File).Distinct().Count();
            count++;
        }
        output.WriteLine($"NfApiCheck: {errors} error(s), {warnings} warning(s) in {count} project(s), {files} C# file(s), " +
                         $"checked as C# 9 against {catalog.Assemblies.Count()} listed assemblies in {Path.GetFullPath(api)}");
        return errors > 0 ? 1 : 0;
    }

    /// <summary>../shared/nanoframework-api relative to the first directory at or above <paramref name="start"/> holding .git.</summary>
    internal static string? DefaultApiDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "nanoframework-api"));
        return null;
    }
}
