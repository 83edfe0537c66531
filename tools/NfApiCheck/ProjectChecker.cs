// Compiles one .nfproj's C# at nanoFramework's language version against the stub assemblies and
// reports every way it leaves the nanoFramework 1.x API:
//   NFAPI001  does not compile against the listings (unknown type/member/overload, C# feature above
//             the language version, member the compiler's lowering needs but nanoFramework lacks),
//             or uses a type the listings name but do not define
//   NFAPI002  generic type, method or declaration (also compiler-generated ones seen in the emitted IL)
//   NFAPI003  type or member of a listed assembly the project does not reference
//   NFAPI004  project problems: LangVersion above C# 9, missing Compile items, HintPath package
//             not in packages.config
//   NFAPI005  member flagged unusable at run time ([unsupported-at-runtime], [obsolete-error])
//   NFAPI006  (warning) member marked [obsolete]
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace NfApiCheck;

internal sealed record Violation(SourceLocation Location, string Code, string Message, bool IsWarning = false)
{
    public string Format(string baseDirectory)
    {
        string path = Location.Path;
        if (Path.IsPathRooted(path))
        {
            string rel = Path.GetRelativePath(baseDirectory, path);
            if (!rel.StartsWith("..", StringComparison.Ordinal)) path = rel;
        }
        return $"{path}({Location.Line},{Location.Column}): {(IsWarning ? "warning" : "error")} {Code}: {Message}";
    }
}

internal sealed class CheckResult
{
    public required NfProject Project { get; init; }
    public required IReadOnlyList<Violation> Violations { get; init; }
    public int Errors => Violations.Count(v => !v.IsWarning);
}

internal sealed class ProjectChecker
{
    /// <summary>C# version of nanoFramework's project system (NFProjectSystem default LangVersion since 2021).</summary>
    public const LanguageVersion NanoFrameworkLanguageVersion = LanguageVersion.CSharp9;

    private readonly StubSet _stubs;
    private readonly Dictionary<string, CSharpCompilation> _projectCompilations = new(StringComparer.Ordinal);

    public ProjectChecker(StubSet stubs) { _stubs = stubs; }

    private static SourceLocation Where(Location location)
    {
        var span = location.GetMappedLineSpan();
        return new SourceLocation(span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
    }

    private static LanguageVersion EffectiveLanguageVersion(NfProject project, List<Violation> violations)
    {
        if (project.LangVersion == null) return NanoFrameworkLanguageVersion;
        if (!LanguageVersionFacts.TryParse(project.LangVersion, out var requested))
        {
            violations.Add(new Violation(project.LangVersionLocation!, "NFAPI004", $"LangVersion '{project.LangVersion}' is not a C# language version; checked as C# 9"));
            return NanoFrameworkLanguageVersion;
        }
        requested = requested.MapSpecifiedToEffectiveVersion();
        if (requested > NanoFrameworkLanguageVersion)
        {
            violations.Add(new Violation(project.LangVersionLocation!, "NFAPI004",
                $"LangVersion {project.LangVersion} is above C# 9, the language version of nanoFramework's project system; checked as C# 9"));
            return NanoFrameworkLanguageVersion;
        }
        return requested;
    }

    /// <summary>The project's compilation against the stubs (and its ProjectReferences), cached by path.</summary>
    private CSharpCompilation Compile(NfProject project, List<Violation> violations, HashSet<string> loading)
    {
        if (_projectCompilations.TryGetValue(project.Path, out var cached)) return cached;
        if (!loading.Add(project.Path)) throw new InvalidOperationException($"ProjectReference cycle through {project.Path}");
        var version = EffectiveLanguageVersion(project, violations);
        var parse = new CSharpParseOptions(version, DocumentationMode.None, SourceCodeKind.Regular, project.DefineConstants);
        var trees = project.CompileItems.Select(item => item.File).Distinct(StringComparer.Ordinal).Select(file =>
        {
            using var stream = File.OpenRead(file);
            return CSharpSyntaxTree.ParseText(SourceText.From(stream), parse, file);
        }).ToList();
        var references = _stubs.References.ToList();
        foreach (var (path, item) in project.ProjectReferences)
        {
            if (!File.Exists(path))
            {
                violations.Add(new Violation(item, "NFAPI004", $"ProjectReference {path} does not exist"));
                continue;
            }
            references.Add(Compile(NfProject.Load(path), new List<Violation>(), loading).ToMetadataReference());
        }
        var options = new CSharpCompilationOptions(
            project.IsExe ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
            allowUnsafe: project.AllowUnsafe, nullableContextOptions: NullableContextOptions.Disable);
        var compilation = CSharpCompilation.Create(project.AssemblyName, trees, references, options);
        _projectCompilations[project.Path] = compilation;
        return compilation;
    }

    public CheckResult Check(NfProject project)
    {
        var violations = new List<Violation>();
        foreach (var (location, message) in project.Problems) violations.Add(new Violation(location, "NFAPI004", message));
        CheckPackages(project, violations);

        var compilation = Compile(project, violations, new HashSet<string>(StringComparer.Ordinal));
        var projectRefNames = compilation.References.Select(r => compilation.GetAssemblyOrModuleSymbol(r))
            .OfType<IAssemblySymbol>().Select(a => a.Name).Where(n => !_stubs.Compilations.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        var referenced = project.References
            .SelectMany(r => new[] { r.Name, r.HintPath == null ? r.Name : Path.GetFileNameWithoutExtension(r.HintPath.Replace('\\', '/')) })
            .Concat(projectRefNames).ToHashSet(StringComparer.Ordinal);

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        foreach (var d in errors) violations.Add(FromDiagnostic(d, project));

        var walker = new Walker(this, compilation, referenced, projectRefNames, violations);
        foreach (var tree in compilation.SyntaxTrees) walker.Visit(tree);

        if (errors.Count == 0) CheckEmitted(project, compilation, referenced, violations);

        var unique = violations
            .GroupBy(v => (v.Location.Path, v.Location.Line, v.Code, v.Message))
            .Select(g => g.OrderBy(v => v.Location.Column).First())
            .OrderBy(v => v.Location.Path, StringComparer.Ordinal).ThenBy(v => v.Location.Line).ThenBy(v => v.Location.Column)
            .ToList();
        return new CheckResult { Project = project, Violations = unique };
    }

    /// <summary>A compiler error as a violation; errors with no source location (lowering needs) point at the project file.</summary>
    private static Violation FromDiagnostic(Diagnostic d, NfProject project)
    {
        string hint = d.Id switch
        {
            "CS1739" or "CS1744" or "CS1746" => " (the listings carry no parameter names: pass this argument by position)",
            "CS0656" or "CS0518" => " (code the compiler generates for this construct needs an API nanoFramework lacks)",
            _ => "",
        };
        var where = d.Location.IsInSource ? Where(d.Location) : project.Top;
        return new Violation(where, "NFAPI001", $"{d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}{hint}");
    }

    private void CheckPackages(NfProject project, List<Violation> violations)
    {
        foreach (var reference in project.References)
        {
            if (reference.HintPath == null) continue;
            var package = NfProject.PackageOfHintPath(reference.HintPath);
            if (package == null) continue;
            var (id, version) = package.Value;
            var entry = project.Packages.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));
            if (entry == null)
                violations.Add(new Violation(reference.Location, "NFAPI004",
                    $"reference {reference.Name} comes from package {id} {version}, which {(project.PackagesConfigPath == null ? "no packages.config (missing) lists" : "packages.config does not list")}"));
            else if (entry.Version != version)
                violations.Add(new Violation(reference.Location, "NFAPI004",
                    $"reference {reference.Name} points into package {id} {version} but packages.config pins {entry.Version}"));
        }
    }

    /// <summary>Emits the IL and reads what lowering put in it: generic instantiations and assembly references.</summary>
    private void CheckEmitted(NfProject project, CSharpCompilation compilation, HashSet<string> referenced, List<Violation> violations)
    {
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe);
        foreach (var d in result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)) violations.Add(FromDiagnostic(d, project));
        if (!result.Success) return;
        pe.Position = 0;
        using var peReader = new PEReader(pe);
        var md = peReader.GetMetadataReader();
        var names = new SignatureNames(md);
        var generic = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var h in md.TypeDefinitions)
        {
            var td = md.GetTypeDefinition(h);
            if (td.GetGenericParameters().Count > 0) generic.Add("type definition " + md.GetString(td.Name));
            foreach (var mh in td.GetMethods())
            {
                var m = md.GetMethodDefinition(mh);
                if (m.GetGenericParameters().Count > 0) generic.Add($"method definition {md.GetString(td.Name)}.{md.GetString(m.Name)}");
            }
        }
        for (int row = 1; row <= md.GetTableRowCount(TableIndex.TypeSpec); row++)
        {
            var spec = md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row));
            string name = spec.DecodeSignature(names, null);
            if (name.Contains('<')) generic.Add(name);
        }
        for (int row = 1; row <= md.GetTableRowCount(TableIndex.MethodSpec); row++)
            generic.Add("instantiation of generic method " + names.MethodName(md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row)).Method));
        foreach (var g in generic)
            violations.Add(new Violation(project.Top, "NFAPI002", $"emitted IL of {project.AssemblyName} contains a generic {g}: nanoFramework 1.x runs no generic code"));

        var reported = violations.Where(v => v.Code == "NFAPI003").Select(v => v.Message).ToList();
        foreach (var h in md.AssemblyReferences)
        {
            string name = md.GetString(md.GetAssemblyReference(h).Name);
            if (!referenced.Contains(name) && !reported.Any(m => m.Contains("assembly " + name + ",", StringComparison.Ordinal)))
                violations.Add(new Violation(project.Top, "NFAPI003",
                    $"emitted IL of {project.AssemblyName} references assembly {name}, which the project does not reference"));
        }
    }

    /// <summary>Walks every expression and type in the source and checks the symbols it binds to.</summary>
    private sealed class Walker
    {
        private readonly ProjectChecker _owner;
        private readonly CSharpCompilation _compilation;
        private readonly HashSet<string> _referenced;
        private readonly HashSet<string> _projectRefs;
        private readonly List<Violation> _violations;
        private SemanticModel _model = null!;

        public Walker(ProjectChecker owner, CSharpCompilation compilation, HashSet<string> referenced, HashSet<string> projectRefs, List<Violation> violations)
        {
            _owner = owner; _compilation = compilation; _referenced = referenced; _projectRefs = projectRefs; _violations = violations;
        }

        private ApiCatalog Catalog => _owner._stubs.Catalog;

        private void Report(SyntaxNode node, string code, string message, bool warning = false) =>
            _violations.Add(new Violation(Where(node.GetLocation()), code, message, warning));

        public void Visit(SyntaxTree tree)
        {
            _model = _compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                switch (node)
                {
                    case TypeParameterListSyntax:
                        Report(node, "NFAPI002", $"generic declaration {node.Parent switch { BaseTypeDeclarationSyntax t => t.Identifier.Text, MethodDeclarationSyntax m => m.Identifier.Text, DelegateDeclarationSyntax d => d.Identifier.Text, _ => "" }}{node}: nanoFramework 1.x runs no generic code");
                        continue;
                    case AnonymousObjectCreationExpressionSyntax:
                        Report(node, "NFAPI002", "anonymous type: C# compiles it to a generic class, and nanoFramework 1.x runs no generic code");
                        continue;
                }
                if (node is not (ExpressionSyntax or ConstructorInitializerSyntax or PrimaryConstructorBaseTypeSyntax)) continue;
                var info = _model.GetSymbolInfo(node);
                if (info.Symbol != null) CheckSymbol(info.Symbol, node);
                if (node is ExpressionSyntax and not TypeSyntax)
                {
                    var typeInfo = _model.GetTypeInfo(node);
                    if (typeInfo.Type != null) CheckType(typeInfo.Type, node, generics: false);
                    if (typeInfo.ConvertedType is { TypeKind: TypeKind.Delegate } converted && !SymbolEqualityComparer.Default.Equals(converted, typeInfo.Type))
                        CheckType(converted, node, generics: true);
                }
            }
        }

        private bool IsOwn(ISymbol symbol) =>
            symbol.ContainingAssembly == null
            || SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _compilation.Assembly)
            || _projectRefs.Contains(symbol.ContainingAssembly.Name);

        private void CheckSymbol(ISymbol symbol, SyntaxNode node)
        {
            switch (symbol)
            {
                case IAliasSymbol alias: CheckSymbol(alias.Target, node); return;
                case ITypeSymbol type: CheckType(type, node, generics: true); return;
                case IMethodSymbol { IsGenericMethod: true } m:
                    Report(node, "NFAPI002", $"generic method {m.ToDisplayString()}: nanoFramework 1.x runs no generic code");
                    break;
            }
            if (symbol is not (IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol)) return;
            if (symbol is IMethodSymbol { MethodKind: MethodKind.BuiltinOperator }) return;  // IL opcodes, not API
            if (symbol.ContainingType != null) CheckType(symbol.ContainingType, node, generics: true);
            if (IsOwn(symbol)) return;
            string assembly = symbol.ContainingAssembly.Name;
            if (!_owner._stubs.Compilations.ContainsKey(assembly)) return;
            string? key = SymbolKeys.MemberKey(symbol);
            if (key == null) return;
            if (!Catalog.MembersByKey.TryGetValue(key, out var member))
            {
                if (symbol is IMethodSymbol { MethodKind: MethodKind.DelegateInvoke or MethodKind.Constructor } && symbol.ContainingType?.TypeKind == TypeKind.Delegate) return;
                Report(node, "NFAPI001", $"{key} is not in the nanoFramework API listings");
                return;
            }
            CheckAssembly(assembly, member.Key, node);
            if (member.Has("unsupported-at-runtime"))
                Report(node, "NFAPI005", $"{member.Key} is [unsupported-at-runtime] in {assembly}.txt: the nanoFramework interpreter cannot run it");
            if (member.Has("obsolete-error"))
                Report(node, "NFAPI005", $"{member.Key} is [obsolete-error] in {assembly}.txt");
            else if (member.Has("obsolete"))
                Report(node, "NFAPI006", $"{member.Key} is [obsolete] in {assembly}.txt", warning: true);
        }

        private void CheckAssembly(string assembly, string what, SyntaxNode node)
        {
            if (!_referenced.Contains(assembly))
                Report(node, "NFAPI003", $"{what} is in assembly {assembly}, which the project does not reference (add the nanoFramework package that provides it to packages.config and a <Reference>)");
        }

        private void CheckType(ITypeSymbol type, SyntaxNode node, bool generics)
        {
            switch (type)
            {
                case IArrayTypeSymbol a: CheckType(a.ElementType, node, generics); return;
                case IPointerTypeSymbol p: CheckType(p.PointedAtType, node, generics); return;
                case INamedTypeSymbol n:
                    if (n.TypeKind == TypeKind.Error) return;  // already a compiler error
                    if (generics && (n.IsGenericType || n.IsTupleType))
                        Report(node, "NFAPI002", $"generic type {SymbolKeys.ClrName(n)}: nanoFramework 1.x runs no generic code");
                    foreach (var arg in n.TypeArguments) CheckType(arg, node, generics);
                    if (n.ContainingType != null && n.ContainingType.IsGenericType) CheckType(n.ContainingType, node, generics);
                    if (IsOwn(n)) return;
                    string assembly = n.ContainingAssembly.Name;
                    if (assembly == StubCompiler.UnlistedAssembly)
                    {
                        Report(node, "NFAPI001", $"{SymbolKeys.ClrName(n)} is not in the nanoFramework API listings (a listed signature names it, but no listed assembly defines it)");
                        return;
                    }
                    if (!_owner._stubs.Compilations.ContainsKey(assembly)) return;
                    if (!Catalog.TypesByKey.ContainsKey(SymbolKeys.TypeKey(n)))
                        Report(node, "NFAPI001", $"type {SymbolKeys.ClrName(n)} is not in the nanoFramework API listings");
                    CheckAssembly(assembly, SymbolKeys.ClrName(n.OriginalDefinition), node);
                    return;
            }
        }
    }

    /// <summary>Names of types in emitted signatures (for messages only).</summary>
    private sealed class SignatureNames : ISignatureTypeProvider<string, object?>
    {
        private readonly MetadataReader _md;
        public SignatureNames(MetadataReader md) { _md = md; }

        public string MethodName(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.MethodDefinition => _md.GetString(_md.GetMethodDefinition((MethodDefinitionHandle)handle).Name),
            HandleKind.MemberReference => _md.GetString(_md.GetMemberReference((MemberReferenceHandle)handle).Name),
            _ => handle.Kind.ToString(),
        };

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeDefinition(handle);
            string ns = reader.GetString(t.Namespace);
            return (ns.Length > 0 ? ns + "." : "") + reader.GetString(t.Name);
        }
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var t = reader.GetTypeReference(handle);
            string ns = reader.GetString(t.Namespace);
            return (ns.Length > 0 ? ns + "." : "") + reader.GetString(t.Name);
        }
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(", ", typeArguments) + ">";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
