// Runs the tests written against nanoFramework.TestFramework (MambaNano.Tests/*.cs, plus the
// host-only tests beside this file) on a PC: every [TestClass], its [Setup] methods once, each
// [TestMethod], its [Cleanup] methods once. Prints one line per test and closes with
// "N passed, N failed" (skipped tests are listed and counted apart). Exit code 1 on any failure.
// nanoFramework's UnitTestLauncher invokes test methods without an instance (this == null), so a
// test class with instance fields fails there; this runner refuses such a class too.
//   dotnet run --project tools/dotnet/MambaNano.TestHost [-- NAME_FILTER]
using System;
using System.Linq;
using System.Reflection;
using nanoFramework.TestFramework;

namespace MambaNano.TestHost
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            string filter = args.Length > 0 ? args[0] : null;
            int passed = 0, failed = 0, skipped = 0;
            var classes = typeof(Program).Assembly.GetTypes()
                .Where(t => t.GetCustomAttribute<TestClassAttribute>() != null)
                .OrderBy(t => t.FullName, StringComparer.Ordinal);
            foreach (Type type in classes)
            {
                MethodInfo[] methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                    .OrderBy(m => m.MetadataToken).ToArray();
                var tests = methods.Where(m => m.GetCustomAttribute<TestMethodAttribute>() != null)
                    .Where(m => filter == null || (type.Name + "." + m.Name).Contains(filter, StringComparison.Ordinal)).ToArray();
                if (tests.Length == 0)
                {
                    continue;
                }
                object instance = type.IsAbstract && type.IsSealed ? null : Activator.CreateInstance(type);
                FieldInfo[] state = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
                string setupError = state.Length == 0 ? null
                    : $"instance field {state[0].Name}: nanoFramework's UnitTestLauncher runs tests without an instance";
                foreach (MethodInfo setup in methods.Where(m => m.GetCustomAttribute<SetupAttribute>() != null))
                {
                    setupError ??= Run(setup, instance);
                }
                foreach (MethodInfo test in tests)
                {
                    string name = type.Name + "." + test.Name;
                    string error = setupError ?? Run(test, instance);
                    if (error == null)
                    {
                        passed++;
                        Console.WriteLine($"  PASS {name}");
                    }
                    else if (error.StartsWith("SKIP", StringComparison.Ordinal))
                    {
                        skipped++;
                        Console.WriteLine($"  {error.Replace("SKIP", "SKIP " + name)}");
                    }
                    else
                    {
                        failed++;
                        Console.WriteLine($"  FAIL {name}: {error}");
                    }
                }
                foreach (MethodInfo cleanup in methods.Where(m => m.GetCustomAttribute<CleanupAttribute>() != null))
                {
                    string error = Run(cleanup, instance);
                    if (error != null)
                    {
                        failed++;
                        Console.WriteLine($"  FAIL {type.Name}.{cleanup.Name} (cleanup): {error}");
                    }
                }
            }
            if (skipped > 0)
            {
                Console.WriteLine($"{skipped} skipped");
            }
            Console.WriteLine($"{passed} passed, {failed} failed");
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
                return inner is TestFrameworkShared.AssertFailedException ? inner.Message : inner.GetType().Name + ": " + inner.Message + "\n" + inner.StackTrace;
            }
        }
    }
}
