// Reads the nanoFramework API listings (one <AssemblyName>.txt per assembly, format described in
// the listings' README.md) into an in-memory catalog. The catalog is data only: StubCompiler turns
// it into reference symbols, ProjectChecker looks symbols up in it by ApiMember.Key.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace NfApiCheck;

internal enum MemberKind { Ctor, Method, Property, Field, Event, EnumValue }

internal sealed record ApiParam(string Modifier, string Type, string? Default);

internal sealed class ApiType
{
    public required string FullName { get; init; }       // "System.Action<T1, T2>", "A.Outer.Inner"
    public required string Assembly { get; init; }
    public required string Kind { get; init; }           // class | struct | enum | interface | delegate
    public required IReadOnlyList<string> Bases { get; init; }
    public required IReadOnlySet<string> Flags { get; init; }
    public required int LineNumber { get; init; }
    public List<ApiMember> Members { get; } = new();

    /// <summary>Name without generic parameter list: "System.Action".</summary>
    public string BaseName => TypeNames.StripGenericArgs(FullName);
    public IReadOnlyList<string> TypeParameters => TypeNames.GenericArgs(FullName);
    /// <summary>Catalog key: "System.Action`2".</summary>
    public string MetadataKey => TypeNames.MetadataKey(BaseName, TypeParameters.Count);
    public bool IsNested => Flags.Contains("nested");
    public bool Has(string flag) => Flags.Contains(flag);
}

internal sealed class ApiMember
{
    public required MemberKind Kind { get; init; }
    public required ApiType Owner { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<ApiParam> Params { get; init; }  // method/ctor params, indexer params
    public string? Type { get; init; }                            // return / property / field / event type
    public string? Value { get; init; }                           // const / enum value
    public string Accessors { get; init; } = "";                  // "get; set" for properties
    public required IReadOnlySet<string> Flags { get; init; }
    public required int LineNumber { get; init; }
    public required string Line { get; init; }

    public bool Has(string flag) => Flags.Contains(flag);
    public string Key => ApiKeys.Member(Kind, Owner.FullName, Name, Params.Select(p => ApiKeys.Param(p.Modifier, p.Type)), Type);
}

/// <summary>Normalized lookup keys: the listing line without flags, defaults, "params" and const values.</summary>
internal static class ApiKeys
{
    public static string Param(string modifier, string type) =>
        modifier is "ref" or "out" or "in" ? modifier + " " + type : type;

    public static string Member(MemberKind kind, string owner, string name, IEnumerable<string> parameters, string? type)
    {
        string ps = string.Join(", ", parameters);
        return kind switch
        {
            MemberKind.Ctor => $"ctor {owner}({ps})",
            MemberKind.Method => $"method {owner}.{name}({ps}) : {type}",
            MemberKind.Property => ps.Length > 0 ? $"property {owner}.{name}[{ps}] : {type}" : $"property {owner}.{name} : {type}",
            MemberKind.Field => $"field {owner}.{name}",
            MemberKind.Event => $"event {owner}.{name}",
            MemberKind.EnumValue => $"enumvalue {owner}.{name}",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}

internal static class TypeNames
{
    public static string MetadataKey(string baseName, int arity) => arity == 0 ? baseName : baseName + "`" + arity;

    public static string StripGenericArgs(string name)
    {
        int lt = name.IndexOf('<');
        return lt < 0 ? name : name.Substring(0, lt);
    }

    public static IReadOnlyList<string> GenericArgs(string name)
    {
        int lt = name.IndexOf('<');
        if (lt < 0) return Array.Empty<string>();
        int gt = name.LastIndexOf('>');
        return SplitTopLevel(name.Substring(lt + 1, gt - lt - 1));
    }

    /// <summary>Splits "A, B<C, D>, E[]" on the commas that are not inside angle brackets.</summary>
    public static List<string> SplitTopLevel(string s)
    {
        var parts = new List<string>();
        if (s.Trim().Length == 0) return parts;
        int depth = 0, start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '<' || c == '(') depth++;
            else if (c == '>' || c == ')') depth--;
            else if (c == ',' && depth == 0)
            {
                parts.Add(s.Substring(start, i - start).Trim());
                start = i + 1;
            }
        }
        parts.Add(s.Substring(start).Trim());
        return parts;
    }
}

internal sealed class ApiCatalog
{
    public Dictionary<string, List<ApiType>> TypesByAssembly { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ApiType> TypesByKey { get; } = new(StringComparer.Ordinal);     // MetadataKey
    public Dictionary<string, ApiMember> MembersByKey { get; } = new(StringComparer.Ordinal);
    public string Directory { get; private set; } = "";

    public IEnumerable<string> Assemblies => TypesByAssembly.Keys;

    private static readonly Regex TrailingFlag = new(@"\s\[([a-z-]+)\]$", RegexOptions.Compiled);

    public static ApiCatalog Load(string directory)
    {
        var files = System.IO.Directory.GetFiles(directory, "*.txt").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"no *.txt API listings in {directory}");
        var catalog = new ApiCatalog { Directory = directory };
        foreach (var file in files)
            catalog.AddAssembly(Path.GetFileNameWithoutExtension(file), File.ReadAllLines(file), file);
        return catalog;
    }

    public static ApiCatalog FromText(IReadOnlyDictionary<string, string> listings)
    {
        var catalog = new ApiCatalog { Directory = "(memory)" };
        foreach (var kv in listings)
            catalog.AddAssembly(kv.Key, kv.Value.Split('\n'), kv.Key + ".txt");
        return catalog;
    }

    private void AddAssembly(string assembly, IReadOnlyList<string> lines, string file)
    {
        var types = new List<ApiType>();
        TypesByAssembly[assembly] = types;
        ApiType? current = null;
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            try
            {
                if (line.StartsWith("type ", StringComparison.Ordinal))
                {
                    current = ParseType(line, assembly, i + 1);
                    types.Add(current);
                    if (!TypesByKey.TryAdd(current.MetadataKey, current))
                        throw new FormatException($"type {current.FullName} is listed twice (also in {TypesByKey[current.MetadataKey].Assembly})");
                }
                else
                {
                    if (current == null) throw new FormatException("member line before any type line");
                    var member = ParseMember(line, current, i + 1);
                    current.Members.Add(member);
                    MembersByKey.TryAdd(member.Key, member);
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"{file}({i + 1}): {e.Message}: {line}", e);
            }
        }
    }

    private static (string rest, HashSet<string> flags) TakeFlags(string line)
    {
        var flags = new HashSet<string>(StringComparer.Ordinal);
        Match m;
        while ((m = TrailingFlag.Match(line)).Success)
        {
            flags.Add(m.Groups[1].Value);
            line = line.Substring(0, m.Index);
        }
        return (line, flags);
    }

    /// <summary>Index of the first occurrence of <paramref name="c"/> outside angle brackets.</summary>
    private static int IndexAtDepth0(string s, char c, int start = 0)
    {
        int depth = 0;
        for (int i = start; i < s.Length; i++)
        {
            if (s[i] == '<') depth++;
            else if (s[i] == '>') depth--;
            else if (s[i] == c && depth == 0) return i;
        }
        return -1;
    }

    private static ApiType ParseType(string line, string assembly, int lineNumber)
    {
        var (rest, flags) = TakeFlags(line.Substring("type ".Length));
        int sp = IndexAtDepth0(rest, ' ');
        if (sp < 0) throw new FormatException("type line without kind");
        string name = rest.Substring(0, sp);
        rest = rest.Substring(sp + 1);
        int colon = rest.IndexOf(" : ", StringComparison.Ordinal);
        string kind = colon < 0 ? rest : rest.Substring(0, colon);
        var bases = colon < 0 ? new List<string>() : TypeNames.SplitTopLevel(rest.Substring(colon + 3));
        if (kind is not ("class" or "struct" or "enum" or "interface" or "delegate"))
            throw new FormatException($"unknown type kind '{kind}'");
        return new ApiType { FullName = name, Assembly = assembly, Kind = kind, Bases = bases, Flags = flags, LineNumber = lineNumber };
    }

    private static List<ApiParam> ParseParams(string list) =>
        TypeNames.SplitTopLevel(list).Select(p =>
        {
            string? def = null;
            int eq = p.IndexOf(" = ", StringComparison.Ordinal);
            if (eq >= 0) { def = p.Substring(eq + 3); p = p.Substring(0, eq); }
            string mod = "";
            foreach (var m in new[] { "ref ", "out ", "in ", "params " })
                if (p.StartsWith(m, StringComparison.Ordinal)) { mod = m.Trim(); p = p.Substring(m.Length); }
            return new ApiParam(mod, p, def);
        }).ToList();

    private static ApiMember ParseMember(string line, ApiType owner, int lineNumber)
    {
        int sp = line.IndexOf(' ');
        string word = line.Substring(0, sp);
        string body = line.Substring(sp + 1);
        string? value = null;
        HashSet<string> flags;
        if (word == "enumvalue")
        {
            (body, flags) = TakeFlags(body);
            int eq = body.IndexOf(" = ", StringComparison.Ordinal);
            value = body.Substring(eq + 3);
            body = body.Substring(0, eq);
        }
        else if (word == "field")
        {
            int eq = body.IndexOf(" = ", StringComparison.Ordinal);
            if (eq >= 0) { value = body.Substring(eq + 3); body = body.Substring(0, eq); }
            (body, flags) = TakeFlags(body);
        }
        else
        {
            (body, flags) = TakeFlags(body);
        }

        string prefix = owner.FullName + (word == "ctor" ? "" : ".");
        if (!body.StartsWith(prefix, StringComparison.Ordinal))
            throw new FormatException($"member does not belong to {owner.FullName}");
        body = body.Substring(prefix.Length);

        switch (word)
        {
            case "ctor":
            {
                int close = body.LastIndexOf(')');
                return new ApiMember { Kind = MemberKind.Ctor, Owner = owner, Name = ".ctor", Params = ParseParams(body.Substring(1, close - 1)), Flags = flags, LineNumber = lineNumber, Line = line };
            }
            case "method":
            {
                int open = body.IndexOf('(');
                int close = body.LastIndexOf(") : ", StringComparison.Ordinal);
                return new ApiMember
                {
                    Kind = MemberKind.Method, Owner = owner, Name = body.Substring(0, open),
                    Params = ParseParams(body.Substring(open + 1, close - open - 1)),
                    Type = body.Substring(close + 4), Flags = flags, LineNumber = lineNumber, Line = line,
                };
            }
            case "property":
            {
                int brace = body.LastIndexOf(" {", StringComparison.Ordinal);
                string accessors = body.Substring(brace + 2).TrimEnd('}');
                body = body.Substring(0, brace);
                int colon = body.IndexOf(" : ", StringComparison.Ordinal);
                string type = body.Substring(colon + 3);
                string name = body.Substring(0, colon);
                var ps = new List<ApiParam>();
                int lb = name.IndexOf('[');
                if (lb >= 0) { ps = ParseParams(name.Substring(lb + 1, name.Length - lb - 2)); name = name.Substring(0, lb); }
                return new ApiMember { Kind = MemberKind.Property, Owner = owner, Name = name, Params = ps, Type = type, Accessors = accessors, Flags = flags, LineNumber = lineNumber, Line = line };
            }
            case "field":
            case "event":
            {
                int colon = body.IndexOf(" : ", StringComparison.Ordinal);
                return new ApiMember
                {
                    Kind = word == "field" ? MemberKind.Field : MemberKind.Event, Owner = owner, Name = body.Substring(0, colon),
                    Params = Array.Empty<ApiParam>(), Type = body.Substring(colon + 3), Value = value, Flags = flags, LineNumber = lineNumber, Line = line,
                };
            }
            case "enumvalue":
                return new ApiMember { Kind = MemberKind.EnumValue, Owner = owner, Name = body, Params = Array.Empty<ApiParam>(), Value = value, Flags = flags, LineNumber = lineNumber, Line = line };
            default:
                throw new FormatException($"unknown line kind '{word}'");
        }
    }
}
