// The part of the nanoFramework.TestFramework API (../shared/nanoframework-api/nanoFramework.TestFramework.txt)
// that MambaNano.Tests uses, for running the same test sources on a PC. Signatures follow the
// listing, so a test that compiles here and passes the API check compiles on the device too.
// Semantics follow nanoFramework's runner: [Setup] methods run once before the class's tests,
// [Cleanup] once after; Assert.* throws on failure; SkipTest skips.
using System;

namespace TestFrameworkShared
{
    public class AssertFailedException : Exception
    {
        public AssertFailedException() { }
        public AssertFailedException(string message) : base(message) { }
        public AssertFailedException(string message, Exception inner) : base(message, inner) { }
    }
}

namespace nanoFramework.TestFramework
{
    using TestFrameworkShared;

    [AttributeUsage(AttributeTargets.Class)]
    public class TestClassAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Method)]
    public class TestMethodAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Method)]
    public class SetupAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Method)]
    public class CleanupAttribute : Attribute { }

    public class SkipTestException : Exception
    {
        public SkipTestException(string message = null, Exception innerException = null) : base(message, innerException) { }
    }

    public static class OutputHelper
    {
        public static void WriteLine(string message) => Console.WriteLine(message);

        public static void Write(string message) => Console.Write(message);
    }

    public sealed class Assert
    {
        private static void Fail(string what, string message) =>
            throw new AssertFailedException(string.IsNullOrEmpty(message) ? what : what + ": " + message);

        private static void Equal<T>(T expected, T actual, string message) where T : IEquatable<T>
        {
            if (!expected.Equals(actual)) Fail($"expected <{expected}> but was <{actual}>", message);
        }

        public static void AreEqual(bool expected, bool actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(byte expected, byte actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(sbyte expected, sbyte actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(short expected, short actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(ushort expected, ushort actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(int expected, int actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(uint expected, uint actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(long expected, long actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(ulong expected, ulong actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(double expected, double actual, string message = "") => Equal(expected, actual, message);
        public static void AreEqual(string expected, string actual, string message = "")
        {
            if (expected != actual) Fail($"expected <{expected}> but was <{actual}>", message);
        }
        public static void AreEqual(object expected, object actual, string message = "")
        {
            if (!Equals(expected, actual)) Fail($"expected <{expected}> but was <{actual}>", message);
        }

        public static void AreNotEqual(int notExpected, int actual, string message = "")
        {
            if (notExpected == actual) Fail($"expected anything but <{actual}>", message);
        }
        public static void AreNotEqual(string notExpected, string actual, string message = "")
        {
            if (notExpected == actual) Fail($"expected anything but <{actual}>", message);
        }

        public static void IsTrue(bool condition, string message = "")
        {
            if (!condition) Fail("expected true", message);
        }

        public static void IsFalse(bool condition, string message = "")
        {
            if (condition) Fail("expected false", message);
        }

        public static void IsNull(object value, string message = "")
        {
            if (value != null) Fail($"expected null but was <{value}>", message);
        }

        public static void IsNotNull(object value, string message = "")
        {
            if (value == null) Fail("expected not null", message);
        }

        public static void Contains(string expected, string actual, string message = "")
        {
            if (actual == null || !actual.Contains(expected, StringComparison.Ordinal)) Fail($"<{actual}> does not contain <{expected}>", message);
        }

        public static void DoesNotContains(string expected, string actual, string message = "")
        {
            if (actual != null && actual.Contains(expected, StringComparison.Ordinal)) Fail($"<{actual}> contains <{expected}>", message);
        }

        public static void StartsWith(string expected, string actual, string message = "")
        {
            if (actual == null || !actual.StartsWith(expected, StringComparison.Ordinal)) Fail($"<{actual}> does not start with <{expected}>", message);
        }

        public static void ThrowsException(Type exceptionType, Action action, string message = "")
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                if (exceptionType.IsInstanceOfType(e)) return;
                Fail($"expected {exceptionType.Name} but got {e.GetType().Name}: {e.Message}", message);
            }
            Fail($"expected {exceptionType.Name}, nothing was thrown", message);
        }

        public static void SkipTest(string message = null) => throw new SkipTestException(message);
    }
}
