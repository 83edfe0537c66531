// The stub assemblies are the checker's idea of nanoFramework: they must expose every listed
// member with its listed signature, and nothing public the listings do not have.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using NfApiCheck;
using Xunit;

namespace NfApiCheck.Tests;

[Collection("stubs")]
public sealed class StubTests
{
    private readonly StubFixture _fx;
    public StubTests(StubFixture fx) { _fx = fx; }

    private IEnumerable<INamedTypeSymbol> StubTypes(string assembly)
    {
        var stack = new Stack<INamespaceOrTypeSymbol>();
        stack.Push(_fx.Stubs.Compilations[assembly].Assembly.GlobalNamespace);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (s is INamedTypeSymbol t) yield return t;
            foreach (var m in s.GetMembers().OfType<INamespaceOrTypeSymbol>()) stack.Push(m);
        }
    }

    private static bool Visible(ISymbol s) => s.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal;

    private static bool ListedKind(ApiMember m) =>
        !(m.Owner.Kind == "delegate")                                   // C# synthesizes delegate members from the Invoke signature
        && !(m.Name == "Finalize" && m.Params.Count == 0);              // spelled as a destructor in C#

    [Fact]
    public void EveryListedTypeAndMember_ExistsInTheStubsWithItsSignature()
    {
        foreach (var assembly in _fx.Catalog.Assemblies)
        {
            var types = StubTypes(assembly).ToList();
            var typeKeys = types.Select(SymbolKeys.TypeKey).ToHashSet(StringComparer.Ordinal);
            var memberKeys = types.SelectMany(t => t.GetMembers()).Where(Visible)
                .Select(SymbolKeys.MemberKey).Where(k => k != null).ToHashSet(StringComparer.Ordinal);
            foreach (var t in _fx.Catalog.TypesByAssembly[assembly])
            {
                Assert.True(typeKeys.Contains(t.MetadataKey), $"{assembly}: type {t.FullName} missing from the stubs");
                foreach (var m in t.Members.Where(ListedKind))
                    Assert.True(memberKeys.Contains(m.Key), $"{assembly}.txt({m.LineNumber}): {m.Key} has no stub symbol");
            }
        }
    }

    [Fact]
    public void Stubs_ExposeNothingTheListingsDoNotHave()
    {
        foreach (var assembly in _fx.Catalog.Assemblies)
        {
            foreach (var t in StubTypes(assembly).Where(Visible))
            {
                Assert.True(_fx.Catalog.TypesByKey.ContainsKey(SymbolKeys.TypeKey(t)), $"stub type {t} is not listed");
                if (t.TypeKind == TypeKind.Delegate) continue;
                foreach (var m in t.GetMembers().Where(Visible).Where(m => !m.IsImplicitlyDeclared))
                {
                    if (m is INamedTypeSymbol) continue;
                    if (m is IMethodSymbol { MethodKind: not (MethodKind.Ordinary or MethodKind.Constructor or MethodKind.UserDefinedOperator or MethodKind.Conversion) }) continue;
                    string key = SymbolKeys.MemberKey(m)!;
                    Assert.True(_fx.Catalog.MembersByKey.ContainsKey(key), $"stub member {key} is not listed");
                }
                // A class with no listed constructor must not get C#'s implicit public one.
                if (t.TypeKind == TypeKind.Class && !t.IsStatic && !_fx.Catalog.TypesByKey[SymbolKeys.TypeKey(t)].Members.Any(m => m.Kind == MemberKind.Ctor))
                    Assert.DoesNotContain(t.InstanceConstructors, c => Visible(c));
            }
        }
    }

    [Fact]
    public void StubCompilationErrors_AreOnlyOmittedExplicitInterfaceImplementations()
    {
        // The listings omit explicit interface implementations (e.g. Array's IList.Add), so C# reports
        // CS0535 on the stub; nothing else may fail to compile.
        var other = _fx.Stubs.Compilations.Values
            .SelectMany(c => c.GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS0535")
            .Select(d => d.ToString()).ToList();
        Assert.True(other.Count == 0, string.Join("\n", other));
    }

    [Fact]
    public void ConstantsAndDefaults_KeepTheirListedValues()
    {
        var corlib = _fx.Stubs.Compilations["mscorlib"];
        var dbl = corlib.GetTypeByMetadataName("System.Double")!;
        Assert.True(double.IsNaN((double)dbl.GetMembers("NaN").OfType<IFieldSymbol>().Single().ConstantValue!));
        Assert.Equal(double.MaxValue, (double)dbl.GetMembers("MaxValue").OfType<IFieldSymbol>().Single().ConstantValue!);
        var port = _fx.Stubs.Compilations["System.IO.Ports"].GetTypeByMetadataName("System.IO.Ports.SerialPort")!;
        var ctor = port.InstanceConstructors.Single(c => c.Parameters.Length == 5);
        Assert.Equal(9600, ctor.Parameters[1].ExplicitDefaultValue);
        Assert.Equal(1, ctor.Parameters[4].ExplicitDefaultValue);
    }

    [Fact]
    public void ListingParser_ReadsFlagsDefaultsAndNestedTypes()
    {
        var catalog = ApiCatalog.FromText(new Dictionary<string, string>
        {
            ["Lib"] = string.Join("\n",
                "type A.Outer class : System.Object, System.IDisposable [sealed]",
                "ctor A.Outer(System.String, System.Int32 = 9600, params System.Object[])",
                "method A.Outer.Try(System.String, out System.Int32) : System.Boolean [static] [extern-internalcall]",
                "property A.Outer.Item[System.Int32] : System.Byte[] {get; protected set}",
                "field A.Outer.Max : System.Byte [const] = 255",
                "type A.Outer.Mode enum : System.UInt64 [nested] [flags]",
                "enumvalue A.Outer.Mode.On = 1 [obsolete]"),
        });
        var outer = catalog.TypesByKey["A.Outer"];
        Assert.Equal(new[] { "System.Object", "System.IDisposable" }, outer.Bases);
        Assert.True(outer.Has("sealed"));
        var ctor = outer.Members[0];
        Assert.Equal("ctor A.Outer(System.String, System.Int32, System.Object[])", ctor.Key);
        Assert.Equal("9600", ctor.Params[1].Default);
        Assert.Equal("params", ctor.Params[2].Modifier);
        Assert.Equal("method A.Outer.Try(System.String, out System.Int32) : System.Boolean", outer.Members[1].Key);
        Assert.True(outer.Members[1].Has("extern-internalcall"));
        Assert.Equal("property A.Outer.Item[System.Int32] : System.Byte[]", outer.Members[2].Key);
        Assert.Equal("get; protected set", outer.Members[2].Accessors);
        Assert.Equal("255", outer.Members[3].Value);
        var mode = catalog.TypesByKey["A.Outer.Mode"];
        Assert.True(mode.IsNested);
        Assert.True(mode.Members[0].Has("obsolete"));
        Assert.Equal("1", mode.Members[0].Value);
        var action = new ApiType
        {
            FullName = "System.Action<T1, T2>", Assembly = "x", Kind = "delegate", Bases = Array.Empty<string>(),
            Flags = new HashSet<string>(), LineNumber = 1,
        };
        Assert.Equal("System.Action`2", action.MetadataKey);
        Assert.Equal(new[] { "T1", "T2" }, action.TypeParameters);
    }

    [Fact]
    public void CommandLine_PrintsCompilerStyleLinesAndExitsNonZero()
    {
        using var bad = SnippetProject.Method("using System;", "            float r = MathF.Sqrt(2f);", new[] { "mscorlib" });
        using var good = SnippetProject.Method("using System.Diagnostics;", "            Debug.WriteLine(\"ok\");", new[] { "mscorlib" });
        var output = new StringWriter();
        Assert.Equal(1, Program.Run(_fx.ApiDirectory, new[] { bad.NfprojPath }, output, bad.Directory));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Snippet[/\\]Code\.cs\(8,23\): error NFAPI001: CS0103: .*MathF", lines[0]);
        Assert.StartsWith("NfApiCheck: 1 error(s)", lines[^1]);
        var clean = new StringWriter();
        Assert.Equal(0, Program.Run(_fx.ApiDirectory, new[] { good.NfprojPath }, clean, good.Directory));
        Assert.StartsWith("NfApiCheck: 0 error(s)", clean.ToString().Trim());
    }
}

public sealed class NfProjectTests
{
    [Theory]
    [InlineData(@"..\packages\nanoFramework.System.Device.I2c.1.1.29\lib\System.Device.I2c.dll", "nanoFramework.System.Device.I2c", "1.1.29")]
    [InlineData(@"..\packages\nanoFramework.CoreLibrary.1.17.11-preview.3\lib\mscorlib.dll", "nanoFramework.CoreLibrary", "1.17.11-preview.3")]
    [InlineData(@"../packages/nanoFramework.Iot.Device.Mpu9250.1.2.860/lib/Iot.Device.Mpu9250.dll", "nanoFramework.Iot.Device.Mpu9250", "1.2.860")]
    public void HintPath_NamesItsPackage(string hint, string id, string version)
    {
        Assert.Equal((id, version), NfProject.PackageOfHintPath(hint));
    }

    [Fact]
    public void CompileItems_ExpandWildcardsAndLinkedPaths()
    {
        using var p = SnippetProject.Create(new Dictionary<string, string>
        {
            ["A/One.cs"] = "class One { }", ["A/B/Two.cs"] = "class Two { }", ["A/Three.txt"] = "", ["../Shared/Three.cs"] = "class Three { }",
        }, new[] { "mscorlib" }, compileItems: new[] { @"A\**\*.cs", @"..\Shared\Three.cs" },
            extraProperties: "    <DefineConstants>DEBUG;TRACE</DefineConstants>\n    <LangVersion>8.0</LangVersion>\n");
        var project = NfProject.Load(p.NfprojPath);
        Assert.Equal(new[] { "One.cs", "Three.cs", "Two.cs" }, project.CompileItems.Select(c => Path.GetFileName(c.File)).OrderBy(f => f, StringComparer.Ordinal));
        Assert.Contains("NANOFRAMEWORK_1_0", project.DefineConstants);
        Assert.Contains("TRACE", project.DefineConstants);
        Assert.Equal("8.0", project.LangVersion);
        Assert.Empty(project.Problems);
    }
}
