// Turns the API catalog into reference symbols: one C# stub declaration file per listed assembly,
// generated in memory and compiled (never emitted, never written to disk) into a Roslyn
// compilation named after that assembly. mscorlib is compiled with no references at all, so the
// checked code sees nanoFramework's System.Object/String/Math..., never .NET's.
//
// Members are declared `extern` (no bodies, no base-constructor calls); types whose signatures name
// a type no listing defines (UnitsNet.Temperature) get a placeholder in UnlistedAssembly, and
// ProjectChecker reports any use of it.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NfApiCheck;

internal sealed class StubSet
{
    public required ApiCatalog Catalog { get; init; }
    public required IReadOnlyDictionary<string, CSharpCompilation> Compilations { get; init; }  // by assembly name
    public required IReadOnlyDictionary<string, string> Sources { get; init; }
    public IEnumerable<MetadataReference> References => Compilations.Values.Select(c => (MetadataReference)c.ToMetadataReference());
}

internal static class StubCompiler
{
    public const string UnlistedAssembly = "NfApiCheck.Unlisted";

    private static readonly Dictionary<string, string> EnumKeywords = new(StringComparer.Ordinal)
    {
        ["System.Byte"] = "byte", ["System.SByte"] = "sbyte", ["System.Int16"] = "short", ["System.UInt16"] = "ushort",
        ["System.Int32"] = "int", ["System.UInt32"] = "uint", ["System.Int64"] = "long", ["System.UInt64"] = "ulong",
    };

    private static readonly Dictionary<string, string> Operators = new(StringComparer.Ordinal)
    {
        ["op_Addition"] = "+", ["op_Subtraction"] = "-", ["op_Multiply"] = "*", ["op_Division"] = "/", ["op_Modulus"] = "%",
        ["op_Equality"] = "==", ["op_Inequality"] = "!=", ["op_LessThan"] = "<", ["op_GreaterThan"] = ">",
        ["op_LessThanOrEqual"] = "<=", ["op_GreaterThanOrEqual"] = ">=", ["op_UnaryNegation"] = "-", ["op_UnaryPlus"] = "+",
        ["op_LogicalNot"] = "!", ["op_OnesComplement"] = "~", ["op_BitwiseAnd"] = "&", ["op_BitwiseOr"] = "|",
        ["op_ExclusiveOr"] = "^", ["op_LeftShift"] = "<<", ["op_RightShift"] = ">>", ["op_Increment"] = "++", ["op_Decrement"] = "--",
        ["op_True"] = "true", ["op_False"] = "false",
    };

    public static StubSet Build(ApiCatalog catalog)
    {
        var unlisted = new SortedSet<string>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var deps = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var assembly in catalog.Assemblies)
        {
            var writer = new StubWriter(catalog, assembly, unlisted);
            sources[assembly] = writer.Write();
            writer.Dependencies.Remove(assembly);
            deps[assembly] = writer.Dependencies;
        }
        if (unlisted.Count > 0)
        {
            sources[UnlistedAssembly] = StubWriter.WritePlaceholders(unlisted);
            deps[UnlistedAssembly] = new HashSet<string> { CorLibName(catalog) };
        }

        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true,
            nullableContextOptions: NullableContextOptions.Disable);
        var built = new Dictionary<string, CSharpCompilation>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        CSharpCompilation BuildOne(string name)
        {
            if (built.TryGetValue(name, out var done)) return done;
            if (!visiting.Add(name)) throw new InvalidOperationException($"API listings have a reference cycle through {name}");
            var refs = deps[name].OrderBy(d => d, StringComparer.Ordinal).Select(d => (MetadataReference)BuildOne(d).ToMetadataReference()).ToList();
            var tree = CSharpSyntaxTree.ParseText(sources[name], parse, path: name + ".stub.cs");
            var compilation = CSharpCompilation.Create(name, new[] { tree }, refs, options);
            built[name] = compilation;
            return compilation;
        }

        foreach (var name in sources.Keys) BuildOne(name);
        return new StubSet { Catalog = catalog, Compilations = built, Sources = sources };
    }

    public static string CorLibName(ApiCatalog catalog) =>
        catalog.TypesByKey.TryGetValue("System.Object", out var obj) ? obj.Assembly : throw new InvalidOperationException("no listing defines System.Object");

    private sealed class StubWriter
    {
        private readonly ApiCatalog _catalog;
        private readonly string _assembly;
        private readonly SortedSet<string> _unlisted;
        private readonly StringBuilder _sb = new();
        public HashSet<string> Dependencies { get; } = new(StringComparer.Ordinal);

        public StubWriter(ApiCatalog catalog, string assembly, SortedSet<string> unlisted)
        {
            _catalog = catalog; _assembly = assembly; _unlisted = unlisted;
        }

        public static string WritePlaceholders(IEnumerable<string> fullNames)
        {
            var sb = new StringBuilder();
            foreach (var name in fullNames)
            {
                int dot = name.LastIndexOf('.');
                sb.Append("namespace ").Append(name.Substring(0, dot)).Append(" { public sealed class ")
                  .Append(Id(name.Substring(dot + 1))).Append(" { } }\n");
            }
            return sb.ToString();
        }

        public string Write()
        {
            var types = _catalog.TypesByAssembly[_assembly];
            var byName = types.Select(t => t.BaseName).ToHashSet(StringComparer.Ordinal);
            var children = types.Where(t => t.IsNested).ToLookup(t => t.BaseName.Substring(0, t.BaseName.LastIndexOf('.')), StringComparer.Ordinal);
            foreach (var group in types.Where(t => !t.IsNested).GroupBy(t => Namespace(t.BaseName)))
            {
                if (group.Key.Length > 0) _sb.Append("namespace ").Append(group.Key).Append("\n{\n");
                foreach (var t in group) WriteType(t, children, 1);
                if (group.Key.Length > 0) _sb.Append("}\n");
            }
            foreach (var parent in children.Select(g => g.Key).Where(p => !byName.Contains(p)))
                throw new FormatException($"{_assembly}: nested types of {parent}, which the listing does not define");
            return _sb.ToString();
        }

        private static string Namespace(string baseName)
        {
            int dot = baseName.LastIndexOf('.');
            return dot < 0 ? "" : baseName.Substring(0, dot);
        }

        private static string SimpleName(string baseName) => baseName.Substring(baseName.LastIndexOf('.') + 1);

        private static string Id(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static string TypeParamList(ApiType t) => t.TypeParameters.Count == 0 ? "" : "<" + string.Join(", ", t.TypeParameters) + ">";

        /// <summary>C# spelling of a listing type name; records dependencies and unlisted names.</summary>
        public string Render(string type)
        {
            string suffix = "";
            while (true)
            {
                if (type.EndsWith("[]", StringComparison.Ordinal)) { suffix = "[]" + suffix; type = type[..^2]; }
                else if (type.EndsWith("*", StringComparison.Ordinal)) { suffix = "*" + suffix; type = type[..^1]; }
                else if (type.EndsWith("]", StringComparison.Ordinal) && type.LastIndexOf('[') is int lb && lb > 0 && type[lb..].All(c => c is '[' or ']' or ',')) { suffix = type[lb..] + suffix; type = type[..lb]; }
                else break;
            }
            if (type == "System.Void" && suffix.Length == 0) return "void";
            string baseName = TypeNames.StripGenericArgs(type);
            var args = TypeNames.GenericArgs(type);
            if (!baseName.Contains('.')) return baseName + suffix;  // a type parameter
            string rendered = "global::" + string.Join(".", baseName.Split('.').Select(Id));
            if (args.Count > 0) rendered += "<" + string.Join(", ", args.Select(Render)) + ">";
            if (_catalog.TypesByKey.TryGetValue(TypeNames.MetadataKey(baseName, args.Count), out var target))
                Dependencies.Add(target.Assembly);
            else
            {
                _unlisted.Add(baseName);
                Dependencies.Add(UnlistedAssembly);
            }
            return rendered + suffix;
        }

        private bool IsEnum(string type) =>
            _catalog.TypesByKey.TryGetValue(type, out var t) && t.Kind == "enum";

        public string Literal(string type, string value)
        {
            string v = value.Trim();
            if (v == "null") return "default";
            if (IsEnum(type)) return $"({Render(type)})({v})";
            switch (type)
            {
                case "System.String":
                case "System.Char":
                    return v;
                case "System.Boolean":
                    return v.ToLowerInvariant();
                case "System.Single":
                case "System.Double":
                {
                    string s = type == "System.Single" ? "F" : "D";
                    return v switch
                    {
                        "NaN" => $"(0.0{s} / 0.0{s})",
                        "Infinity" => $"(1.0{s} / 0.0{s})",
                        "-Infinity" => $"(-1.0{s} / 0.0{s})",
                        _ => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? v + s : throw new FormatException($"bad {type} value {v}"),
                    };
                }
                default:
                    if (!decimal.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) throw new FormatException($"bad {type} value {v}");
                    return $"unchecked(({Render(type)})({v}))";
            }
        }

        private string Param(ApiParam p, int i)
        {
            string mod = p.Modifier.Length > 0 ? p.Modifier + " " : "";
            string def = p.Default == null ? "" : " = " + Literal(p.Type, p.Default);
            return $"{mod}{Render(p.Type)} p{i}{def}";
        }

        private string Params(IReadOnlyList<ApiParam> ps) => string.Join(", ", ps.Select(Param));

        private void WriteType(ApiType t, ILookup<string, ApiType> children, int depth)
        {
            string ind = new(' ', depth * 4);
            string name = Id(SimpleName(t.BaseName));
            if (t.Kind == "delegate")
            {
                var invoke = t.Members.Single(m => m.Kind == MemberKind.Method && m.Name == "Invoke");
                _sb.Append(ind).Append($"public delegate {Render(invoke.Type!)} {name}{TypeParamList(t)}({Params(invoke.Params)});\n");
                return;
            }
            string mods = t.Kind switch
            {
                "class" when t.Has("static") => "static ",
                "class" when t.Has("abstract") => "abstract ",
                "class" when t.Has("sealed") => "sealed ",
                "struct" => (t.Has("readonly") ? "readonly " : "") + (t.Has("ref-struct") ? "ref " : ""),
                _ => "",
            };
            var bases = t.Bases.ToList();
            if (t.Kind == "enum")
                bases = bases.Select(b => EnumKeywords.TryGetValue(b, out var k) ? k : throw new FormatException($"enum {t.FullName} base {b}")).ToList();
            else
            {
                bases.RemoveAll(b => b == "System.Object" || (t.Kind == "struct" && b == "System.ValueType"));
                bases = bases.Select(Render).ToList();
            }
            string baseList = bases.Count > 0 ? " : " + string.Join(", ", bases) : "";
            _sb.Append(ind).Append($"public {mods}{t.Kind} {name}{TypeParamList(t)}{baseList}\n").Append(ind).Append("{\n");
            foreach (var m in t.Members) WriteMember(t, m, ind + "    ");
            if (t.Kind == "class" && !t.Has("static") && !t.Members.Any(m => m.Kind == MemberKind.Ctor))
                _sb.Append(ind).Append($"    private extern {name}();  // no public constructor listed: C# must not invent one\n");
            foreach (var child in children[t.BaseName]) WriteType(child, children, depth + 1);
            _sb.Append(ind).Append("}\n");
        }

        private void WriteMember(ApiType t, ApiMember m, string ind)
        {
            bool iface = t.Kind == "interface";
            bool sealedType = t.Kind == "struct" || t.Has("sealed") || t.Has("static");
            string access = m.Has("protected") ? "protected " : "public ";
            bool isAbstract = m.Has("abstract");
            bool isOverride = m.Has("override");
            bool isVirtual = m.Has("virtual") && !isOverride && !isAbstract && !sealedType && !m.Has("sealed");
            string mods = iface ? "" : access
                + (m.Has("static") ? "static " : "")
                + (isAbstract ? "abstract " : "")
                + (isVirtual ? "virtual " : "")
                + (isOverride && m.Has("sealed") ? "sealed " : "")
                + (isOverride ? "override " : "");
            string ext = iface || isAbstract ? "" : "extern ";
            string typeName = Id(SimpleName(t.BaseName));
            switch (m.Kind)
            {
                case MemberKind.EnumValue:
                    _sb.Append(ind).Append($"{Id(m.Name)} = {m.Value},\n");
                    break;
                case MemberKind.Ctor:
                    if (iface || t.Has("static")) break;
                    _sb.Append(ind).Append($"{access}extern {typeName}({Params(m.Params)});\n");
                    break;
                case MemberKind.Method:
                    if (m.Name == "Finalize" && m.Params.Count == 0) break;  // C# spells it as a destructor; user code cannot call it
                    if (m.Has("operator") && m.Name is "op_Implicit" or "op_Explicit")
                        _sb.Append(ind).Append($"public static extern {(m.Name == "op_Implicit" ? "implicit" : "explicit")} operator {Render(m.Type!)}({Params(m.Params)});\n");
                    else if (m.Has("operator") && Operators.TryGetValue(m.Name, out var op))
                        _sb.Append(ind).Append($"public static extern {Render(m.Type!)} operator {op}({Params(m.Params)});\n");
                    else
                        _sb.Append(ind).Append($"{mods}{ext}{Render(m.Type!)} {Id(m.Name)}({Params(m.Params)});\n");
                    break;
                case MemberKind.Property:
                {
                    string acc = string.Join(" ", m.Accessors.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => a + ";"));
                    string head = m.Params.Count > 0
                        ? (m.Name == "Item" ? "" : $"[global::System.Runtime.CompilerServices.IndexerName(\"{m.Name}\")] ") + $"{mods}{ext}{Render(m.Type!)} this[{Params(m.Params)}]"
                        : $"{mods}{ext}{Render(m.Type!)} {Id(m.Name)}";
                    _sb.Append(ind).Append($"{head} {{ {acc} }}\n");
                    break;
                }
                case MemberKind.Field:
                    if (m.Has("const"))
                        _sb.Append(ind).Append($"{access}const {Render(m.Type!)} {Id(m.Name)} = {Literal(m.Type!, m.Value ?? throw new FormatException($"const {m.Name} without value"))};\n");
                    else
                        _sb.Append(ind).Append($"{access}{(m.Has("static") ? "static " : "")}{(m.Has("readonly") ? "readonly " : "")}{Render(m.Type!)} {Id(m.Name)};\n");
                    break;
                case MemberKind.Event:
                    if (iface || isAbstract)
                        _sb.Append(ind).Append($"{mods}event {Render(m.Type!)} {Id(m.Name)};\n");
                    else
                        _sb.Append(ind).Append($"{mods}event {Render(m.Type!)} {Id(m.Name)} {{ add {{ }} remove {{ }} }}\n");
                    break;
            }
        }
    }
}
