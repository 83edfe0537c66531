// Snippets that nanoFramework 1.x compiles and runs must pass the check; snippets that only .NET
// compiles must fail it, with the violation pointing at the offending line.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NfApiCheck;
using Xunit;

namespace NfApiCheck.Tests;

[Collection("stubs")]
public sealed class CheckerTests
{
    private readonly StubFixture _fx;
    public CheckerTests(StubFixture fx) { _fx = fx; }

    private IReadOnlyList<Violation> Check(SnippetProject p) => _fx.Checker.Check(NfProject.Load(p.NfprojPath)).Violations;

    private static string Show(IEnumerable<Violation> vs) => string.Join("\n", vs.Select(v => v.Format("/")));

    private void AssertClean(SnippetProject p)
    {
        var errors = Check(p).Where(v => !v.IsWarning).ToList();
        Assert.True(errors.Count == 0, "expected no violation, got:\n" + Show(errors));
    }

    /// <summary>Asserts a violation with <paramref name="code"/> on the line of Code.cs that contains <paramref name="marker"/>.</summary>
    private Violation AssertViolation(SnippetProject p, string code, string marker, string? messagePart = null, string file = "Code.cs")
    {
        string path = Path.Combine(Path.GetDirectoryName(p.NfprojPath)!, file);
        int line = Array.FindIndex(File.ReadAllLines(path), l => l.Contains(marker, StringComparison.Ordinal)) + 1;
        Assert.True(line > 0, $"marker {marker} not in {file}");
        var all = Check(p);
        var hit = all.FirstOrDefault(v => v.Code == code && v.Location.Line == line && Path.GetFileName(v.Location.Path) == file
                                          && (messagePart == null || v.Message.Contains(messagePart, StringComparison.Ordinal)));
        Assert.True(hit != null, $"expected {code} ({messagePart}) at {file}({line}), got:\n{Show(all)}");
        return hit!;
    }

    // ---- must pass -------------------------------------------------------------------------

    [Fact]
    public void MathAbsOfFloat_Passes()
    {
        using var p = SnippetProject.Method("using System;", "            float a_g = Math.Abs(-1.5f);\n            double r = Math.Sqrt(2.0) * Math.PI;");
        AssertClean(p);
    }

    [Fact]
    public void I2cDeviceCreate_Passes()
    {
        using var p = SnippetProject.Method("using System;\nusing System.Device.I2c;",
            "            I2cDevice dev = I2cDevice.Create(new I2cConnectionSettings(1, 0x68));\n" +
            "            byte[] buffer = new byte[14];\n            dev.WriteRead(new SpanByte(new byte[] { 0x3B }), new SpanByte(buffer));");
        AssertClean(p);
    }

    [Fact]
    public void ConfigurationSetPinFunction_Passes()
    {
        using var p = SnippetProject.Method("using nanoFramework.Hardware.Esp32;",
            "            Configuration.SetPinFunction(21, DeviceFunction.I2C1_DATA);\n            Configuration.SetPinFunction(22, DeviceFunction.I2C1_CLOCK);");
        AssertClean(p);
    }

    [Fact]
    public void SerialPortAndDebugWriteLine_Pass()
    {
        using var p = SnippetProject.Method("using System.Diagnostics;\nusing System.IO.Ports;",
            "            var port = new SerialPort(\"COM2\", 115200);\n            port.Open();\n            port.WriteLine(\"har walking 0.91\");\n            Debug.WriteLine(\"sent\");");
        AssertClean(p);
    }

    [Fact]
    public void TestFrameworkTestClass_Passes()
    {
        const string code = "using nanoFramework.TestFramework;\n\nnamespace Snippet\n{\n    [TestClass]\n    public class WindowTests\n    {\n" +
                            "        private int _n;\n\n        [Setup]\n        public void Setup() { _n = 3; }\n\n" +
                            "        [TestMethod]\n        public void Adds() { Assert.AreEqual(5, _n + 2); Assert.IsTrue(_n > 0); }\n    }\n}\n";
        using var p = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = code }, new[] { "mscorlib", "nanoFramework.TestFramework" });
        AssertClean(p);
    }

    [Fact]
    public void InterpolatedString_LowersToStringFormat_Passes()
    {
        // C# 9 lowers $"..." with non-string holes to String.Format(String, params Object[]), which mscorlib has.
        using var p = SnippetProject.Method("using System.Diagnostics;", "            int x = 3; float y = 0.5f;\n            Debug.WriteLine($\"x={x} y={y} s={\"a\"}\");");
        AssertClean(p);
    }

    [Fact]
    public void InteropExternArraysLockUsingForeachAndCSharp9Patterns_Pass()
    {
        const string code = "using System;\nusing System.Runtime.CompilerServices;\n\nnamespace Snippet\n{\n    public sealed class Kernel : IDisposable\n    {\n" +
                            "        private readonly object _gate = new object();\n        private readonly sbyte[] _logits = new sbyte[6];\n" +
                            "        [MethodImpl(MethodImplOptions.InternalCall)]\n        private static extern int NativeStep(byte[] input, sbyte[] logits);\n" +
                            "        public int Step(byte[] input)\n        {\n            lock (_gate) { return NativeStep(input, _logits); }\n        }\n" +
                            "        public int Sum(object o)\n        {\n            int s = 0;\n            foreach (sbyte v in _logits) s += v;\n" +
                            "            if (o is not null and string text) s += text.Length;\n            return s;\n        }\n" +
                            "        public void Dispose() { }\n        public static void Use() { using (var k = new Kernel()) { k.Step(new byte[4]); } }\n    }\n}\n";
        using var p = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = code }, new[] { "mscorlib" });
        AssertClean(p);
    }

    [Fact]
    public void HostOnlyCodeUnderNotNanoFramework_IsNotCompiled()
    {
        using var p = SnippetProject.Method("#if !NANOFRAMEWORK_1_0\nusing System.Collections.Generic;\n#endif",
            "#if !NANOFRAMEWORK_1_0\n            var l = new List<int>();\n#endif");
        AssertClean(p);
    }

    [Fact]
    public void LinkedFileAndProjectReference_Pass()
    {
        var files = new Dictionary<string, string>
        {
            ["../Shared/Window.cs"] = "namespace Shared\n{\n    public sealed class Window { public int Length => 3; }\n}\n",
            ["Code.cs"] = "namespace Snippet\n{\n    public static class Code { public static int Run() => new Shared.Window().Length; }\n}\n",
        };
        using var p = SnippetProject.Create(files, new[] { "mscorlib" });
        AssertClean(p);

        // A second project that uses the first one's types through a ProjectReference.
        string appDir = Path.GetDirectoryName(p.NfprojPath)!;
        string testsDir = Path.Combine(p.Directory, "Tests");
        Directory.CreateDirectory(testsDir);
        File.WriteAllText(Path.Combine(testsDir, "T.cs"), "namespace Tests\n{\n    public static class T { public static int Run() => Snippet.Code.Run() + 1; }\n}\n");
        File.WriteAllText(Path.Combine(testsDir, "packages.config"), "<packages><package id=\"nanoFramework.CoreLibrary\" version=\"1.0.0\" /></packages>");
        File.WriteAllText(Path.Combine(testsDir, "Tests.nfproj"),
            "<Project xmlns=\"http://schemas.microsoft.com/developer/msbuild/2003\"><PropertyGroup><AssemblyName>Tests</AssemblyName></PropertyGroup>" +
            "<ItemGroup><Compile Include=\"T.cs\" /></ItemGroup><ItemGroup><Reference Include=\"mscorlib\"><HintPath>..\\packages\\nanoFramework.CoreLibrary.1.0.0\\lib\\mscorlib.dll</HintPath></Reference></ItemGroup>" +
            $"<ItemGroup><ProjectReference Include=\"..\\{Path.GetFileName(appDir)}\\Snippet.nfproj\" /></ItemGroup></Project>");
        var result = _fx.Checker.Check(NfProject.Load(Path.Combine(testsDir, "Tests.nfproj")));
        Assert.True(result.Errors == 0, Show(result.Violations));
    }

    // ---- must fail --------------------------------------------------------------------------

    [Fact]
    public void ListOfInt_Fails()
    {
        using var p = SnippetProject.Method("using System.Collections.Generic;", "            var l = new List<int>(); // LIST");
        var v = AssertViolation(p, "NFAPI001", "// LIST", "List<>");
        Assert.Equal(25, v.Location.Column);
        AssertViolation(p, "NFAPI001", "using System.Collections.Generic", "Generic");
    }

    [Fact]
    public void MathFSqrt_Fails()
    {
        using var p = SnippetProject.Method("using System;", "            float r = MathF.Sqrt(2f);");
        AssertViolation(p, "NFAPI001", "MathF", "MathF");
    }

    [Fact]
    public void SpanOfByte_Fails()
    {
        using var p = SnippetProject.Method("using System;", "            Span<byte> s = new byte[4];");
        AssertViolation(p, "NFAPI001", "Span<byte>", "Span<>");
    }

    [Fact]
    public void ArrayEmpty_Fails()
    {
        using var p = SnippetProject.Method("using System;", "            int[] e = Array.Empty<int>();");
        AssertViolation(p, "NFAPI001", "Array.Empty", "Empty");
    }

    [Fact]
    public void MathAbsWithoutSystemMathReference_Fails()
    {
        using var p = SnippetProject.Method("using System;", "            double a = Math.Abs(-2.0);", new[] { "mscorlib" });
        AssertViolation(p, "NFAPI003", "Math.Abs", "assembly System.Math");
    }

    [Fact]
    public void GenericDelegateAndLambda_Fail()
    {
        using var p = SnippetProject.Method("using System;", "            Action<int> a = i => { }; // ACTION");
        AssertViolation(p, "NFAPI002", "// ACTION", "System.Action<System.Int32>");
        AssertViolation(p, "NFAPI002", "<?xml", "emitted IL of Snippet contains a generic System.Action`1<System.Int32>", file: "Snippet.nfproj");
    }

    [Fact]
    public void GenericDeclarations_Fail()
    {
        const string code = "namespace Snippet\n{\n    public class Box<T> { public T Value; }\n    public static class Code\n    {\n        public static T Id<T>(T t) => t;\n    }\n}\n";
        using var p = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = code }, new[] { "mscorlib" });
        AssertViolation(p, "NFAPI002", "class Box<T>", "Box<T>");
        AssertViolation(p, "NFAPI002", "Id<T>(T t)", "Id<T>");
    }

    [Fact]
    public void PInvokeInSharedCode_Fails_UnlessHostOnly()
    {
        // The device reaches native code through InternalCall; DllImport belongs to the host build only.
        const string shared = "using System.Runtime.InteropServices;\n\nnamespace Snippet\n{\n    public static class Native\n    {\n" +
                              "        [DllImport(\"mambanano\")] // PINVOKE\n        public static extern int mn_step();\n    }\n}\n";
        using var bad = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = shared }, new[] { "mscorlib" });
        AssertViolation(bad, "NFAPI001", "// PINVOKE", "DllImport");
        using var good = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = "#if !NANOFRAMEWORK_1_0\n" + shared + "#endif\n" }, new[] { "mscorlib" });
        AssertClean(good);
    }

    [Fact]
    public void TypeOfUnreferencedAssembly_Fails()
    {
        using var p = SnippetProject.Method("", "            System.IO.Ports.SerialPort port = null; // PORT", new[] { "mscorlib" });
        AssertViolation(p, "NFAPI003", "// PORT", "System.IO.Ports.SerialPort is in assembly System.IO.Ports");
    }

    [Fact]
    public void AnonymousType_Fails()
    {
        using var p = SnippetProject.Method("", "            var o = new { A = 1 };");
        AssertViolation(p, "NFAPI002", "new { A", "anonymous type");
        // Its compiler-generated ToString needs String.Format(IFormatProvider, ...), which nanoFramework lacks.
        AssertViolation(p, "NFAPI001", "<?xml", "Missing compiler required member 'System.String.Format'", file: "Snippet.nfproj");
    }

    [Fact]
    public void FileScopedNamespace_Fails()
    {
        using var p = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = "namespace Snippet;\n\npublic class Code { }\n" }, new[] { "mscorlib" });
        AssertViolation(p, "NFAPI001", "namespace Snippet;", "CS8773");
    }

    [Fact]
    public void RecordStruct_Fails()
    {
        using var p = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = "namespace Snippet\n{\n    public record struct Sample(int X);\n}\n" }, new[] { "mscorlib" });
        AssertViolation(p, "NFAPI001", "record struct");
    }

    [Fact]
    public void TupleNullableAndFormattableString_Fail()
    {
        using var p = SnippetProject.Method("using System;",
            "            var t = (1, 2); // TUPLE\n            int? n = null; // NULLABLE\n            FormattableString f = $\"{t}\"; // FORMATTABLE");
        AssertViolation(p, "NFAPI001", "// TUPLE", "ValueTuple");
        AssertViolation(p, "NFAPI001", "// NULLABLE", "Nullable");
        AssertViolation(p, "NFAPI001", "// FORMATTABLE", "FormattableString");
    }

    [Fact]
    public void OverloadNanoFrameworkLacks_Fails()
    {
        // .NET has these overloads; nanoFramework has String.Split(params Char[]), Math.Round(Double),
        // and Math.Clamp only for Int64/UInt64/Single/Double (so the int call binds to Int64 and no longer fits an int).
        using var p = SnippetProject.Method("using System;",
            "            var parts = \"a,b\".Split(',', StringSplitOptions.None); // SPLIT\n" +
            "            double r = Math.Round(2.345, 2); // ROUND\n" +
            "            int c = Math.Clamp(5, 0, 3); // CLAMP");
        AssertViolation(p, "NFAPI001", "// SPLIT", "StringSplitOptions");
        AssertViolation(p, "NFAPI001", "// ROUND", "CS1501");
        AssertViolation(p, "NFAPI001", "// CLAMP", "'long' to 'int'");
    }

    [Fact]
    public void TypeOnlyNamedByAListing_Fails()
    {
        // Mpu6050.GetTemperature() returns UnitsNet.Temperature, whose assembly is not listed.
        using var p = SnippetProject.Method("using Iot.Device.Imu;",
            "            var mpu = new Mpu6050(System.Device.I2c.I2cDevice.Create(new System.Device.I2c.I2cConnectionSettings(1, 0x68)));\n" +
            "            var t = mpu.GetTemperature(); // TEMP",
            new[] { "mscorlib", "System.Device.I2c", "Iot.Device.Mpu9250", "Iot.Device.Ak8963", "System.Numerics" });
        AssertViolation(p, "NFAPI001", "// TEMP", "UnitsNet.Temperature");
    }

    [Fact]
    public void DelegateBeginInvoke_IsUnsupportedAtRuntime()
    {
        using var p = SnippetProject.Method("using System;", "            Action a = Run;\n            a.BeginInvoke(null, null); // BEGIN");
        AssertViolation(p, "NFAPI005", "// BEGIN", "unsupported-at-runtime");
    }

    [Fact]
    public void NamedArgument_FailsWithHint()
    {
        using var p = SnippetProject.Method("using System.IO.Ports;", "            var port = new SerialPort(\"COM2\", baudRate: 115200);");
        AssertViolation(p, "NFAPI001", "baudRate:", "by position");
    }

    [Fact]
    public void LangVersionAbove9_Fails()
    {
        using var p = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = "namespace Snippet { public class Code { } }\n" }, new[] { "mscorlib" },
            extraProperties: "    <LangVersion>10.0</LangVersion>\n");
        AssertViolation(p, "NFAPI004", "<LangVersion>", "above C# 9", file: "Snippet.nfproj");
    }

    [Fact]
    public void MissingCompileItemAndPackage_Fail()
    {
        using var p = SnippetProject.Create(new Dictionary<string, string> { ["Code.cs"] = "namespace Snippet { public class Code { } }\n" },
            new[] { "mscorlib", "System.Math" }, compileItems: new[] { "Code.cs", "Gone.cs" }, packages: new[] { "nanoFramework.CoreLibrary" });
        AssertViolation(p, "NFAPI004", "Gone.cs", "matches no file", file: "Snippet.nfproj");
        AssertViolation(p, "NFAPI004", "<Reference Include=\"System.Math\">", "packages.config does not list", file: "Snippet.nfproj");
    }
}
