// Runs the tests written against nanoFramework.TestFramework (MambaNano.Tests/*.cs, plus the
// host-only tests beside this file) on a PC: every [TestClass], its [Setup] methods once, each
// [TestMethod], its [Cleanup] methods once. Prints one line per test and closes with
// "N passed, N failed" (skipped tests are listed and counted apart). Exit code 1 on any failure.
// --junit FILE also writes the results as JUnit XML (what tools/run_tests.sh counts).
// nanoFramework's UnitTestLauncher invokes test methods without an instance (this == null), so a
// test class with instance fields fails there; this runner refuses such a class too.
//   dotnet run --project tools/dotnet/MambaNano.TestHost [-- [--junit FILE] [NAME_FILTER]]
using System;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using nanoFramework.TestFramework;

namespace MambaNano.TestHost
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            int junitAt = Array.IndexOf(args, "--junit");
            string junitPath = junitAt >= 0 && junitAt + 1 < args.Length ? args[junitAt + 1] : null;
            string filter = args.Where((_, i) => junitAt < 0 || (i != junitAt && i != junitAt + 1))
                .FirstOrDefault();
            int passed = 0, failed = 0, skipped = 0;
            var junit = new XElement("testsuite", new XAttribute("name", "MambaNano.TestHost"));
            var classes = typeof(Program).Assembly.GetTypes()
                .Where(t => t.GetCustomAttribute<TestClassAttribute>() != null)
                .OrderBy(t => t.FullName, StringComparer.Ordinal);
            foreach (Type type in classes)
            {
                MethodInfo[] methods = type
                    .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                    .OrderBy(m => m.MetadataToken).ToArray();
                var tests = methods.Where(m => m.GetCustomAttribute<TestMethodAttribute>() != null)
                    .Where(m => filter == null
                        || (type.Name + "." + m.Name).Contains(filter, StringComparison.Ordinal))
                    .ToArray();
                if (tests.Length == 0)
                {
                    continue;
                }
                object instance = type.IsAbstract && type.IsSealed ? null : Activator.CreateInstance(type);
                FieldInfo[] state =
                    type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
                string setupError = state.Length == 0 ? null
                    : $"instance field {state[0].Name}: "
                      + "nanoFramework's UnitTestLauncher runs tests without an instance";
                foreach (MethodInfo setup in methods.Where(m => m.GetCustomAttribute<SetupAttribute>() != null))
                {
                    setupError ??= Run(setup, instance);
                }
                foreach (MethodInfo test in tests)
                {
                    string name = type.Name + "." + test.Name;
                    string error = setupError ?? Run(test, instance);
                    var testcase = new XElement("testcase", new XAttribute("classname", type.Name),
                        new XAttribute("name", test.Name));
                    junit.Add(testcase);
                    if (error == null)
                    {
                        passed++;
                        Console.WriteLine($"  PASS {name}");
                    }
                    else if (error.StartsWith("SKIP", StringComparison.Ordinal))
                    {
                        skipped++;
                        Console.WriteLine($"  {error.Replace("SKIP", "SKIP " + name)}");
                        testcase.Add(new XElement("skipped", new XAttribute("message", error)));
                    }
                    else
                    {
                        failed++;
                        Console.WriteLine($"  FAIL {name}: {error}");
                        testcase.Add(new XElement("failure", new XAttribute("message", error)));
                    }
                }
                foreach (MethodInfo cleanup in methods.Where(m => m.GetCustomAttribute<CleanupAttribute>() != null))
                {
                    string error = Run(cleanup, instance);
                    if (error != null)
                    {
                        failed++;
                        Console.WriteLine($"  FAIL {type.Name}.{cleanup.Name} (cleanup): {error}");
                        junit.Add(new XElement("testcase", new XAttribute("classname", type.Name),
                            new XAttribute("name", cleanup.Name + " (cleanup)"),
                            new XElement("failure", new XAttribute("message", error))));
                    }
                }
            }
            if (skipped > 0)
            {
                Console.WriteLine($"{skipped} skipped");
            }
            Console.WriteLine($"{passed} passed, {failed} failed");
            if (junitPath != null)
            {
                junit.Add(new XAttribute("tests", passed + failed + skipped),
                    new XAttribute("failures", failed), new XAttribute("skipped", skipped));
                new XDocument(junit).Save(junitPath);
            }
            return failed == 0 && passed > 0 ? 0 : 1;
        }

        /// <summary>Invoke; null on success, "SKIP: why" on a skip, else the failure text.</summary>
        private static string Run(MethodInfo method, object instance)
        {
            try
            {
                method.Invoke(method.IsStatic ? null : instance, null);
                return null;
            }
            catch (TargetInvocationException e) when (e.InnerException is SkipTestException skip)
            {
                return "SKIP: " + skip.Message;
            }
            catch (TargetInvocationException e)
            {
                Exception inner = e.InnerException ?? e;
                return inner is TestFrameworkShared.AssertFailedException
                    ? inner.Message
                    : inner.GetType().Name + ": " + inner.Message + "\n" + inner.StackTrace;
            }
        }
    }
}
