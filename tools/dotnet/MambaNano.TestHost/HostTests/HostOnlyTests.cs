// Tests that need the host: the managed allocation counter, and the log parser of the host runner.
using System;
using System.IO;
using MambaNano.Host;
using MambaNano.Tests;
using nanoFramework.TestFramework;

namespace MambaNano.TestHost
{
    /// <summary>A sink that keeps nothing: the allocation test must see only the app's own allocations.</summary>
    internal sealed class NullSink : ILineSink
    {
        public int Lines;

        public void WriteLine(byte[] line, int count) => Lines++;
    }

    [TestClass]
    public class SteadyStateAllocationTests
    {
        [TestMethod]
        public void TicksWithBothTasksAllocateNothing()
        {
            var sink = new NullSink();
            var app = new MambaNanoApp(new Protocol(sink), new SimulatedImu(), new GeneratedAudio());
            app.Begin(TestModels.Imu(), TestModels.Logmel());
            for (int i = 0; i < 300; i++)
            {
                app.Tick(); // warm-up: JIT, first windows
            }
            int linesBefore = sink.Lines;
            long before = GC.GetAllocatedBytesForCurrentThread();
            const int ticks = 3000; // 60 s of stream: 23 HAR windows, 300 KWS windows, their lines
            for (int i = 0; i < ticks; i++)
            {
                app.Tick();
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            OutputHelper.WriteLine($"    {ticks} ticks, {sink.Lines - linesBefore} lines: {allocated} bytes allocated");
            Assert.IsTrue(sink.Lines - linesBefore >= 40, "windows were scored and printed");
            Assert.AreEqual(0L, allocated, "managed bytes allocated in the steady-state loop");
        }
    }

    [TestClass]
    public class SerialLogTests
    {
        private static SerialRecord Format(Action<Protocol> write)
        {
            var sink = new CaptureSink();
            write(new Protocol(sink));
            return SerialLog.Parse(sink.Last, 1);
        }

        [TestMethod]
        public void ParsesWhatTheProtocolPrints()
        {
            SerialRecord r = Format(p => p.Prediction(2560, Protocol.TaskHar, "WALKING", 934, 412));
            Assert.AreEqual("PRED", r.Kind);
            Assert.AreEqual(2560L, r.TimeMs);
            Assert.AreEqual("WALKING", r["label"]);
            Assert.AreEqual("0.934", r["conf"]);
            Assert.AreEqual("PRED t=2560 task=HAR label=WALKING conf=0.934", r.Comparable());
            r = Format(p => p.Error(20, Protocol.TaskKws, 5, "CRC-32 over the payload does not match"));
            Assert.AreEqual("CRC-32 over the payload does not match", r["msg"]);
        }

        [TestMethod]
        public void SkipsOtherTextAndRejectsABrokenLine()
        {
            Assert.IsNull(SerialLog.Parse("I (123) boot: ESP-IDF v5.1", 1));
            Assert.AreEqual(100L, SerialLog.Parse("noise MN1 STATUS t=100 src=MIC state=SILENT", 2).TimeMs);
            Assert.ThrowsException(typeof(FormatException), () => SerialLog.Parse("MN1 PRED task=HAR", 3));
            Assert.ThrowsException(typeof(FormatException), () => SerialLog.Parse("MN1 PRED t=1 oops", 4));
        }

        [TestMethod]
        public void CompareIgnoresLatencyOnly()
        {
            var a = SerialLog.Read(new StringReader("MN1 PRED t=20 task=KWS label=yes conf=0.900 us=10\n"));
            var b = SerialLog.Read(new StringReader("boot\nMN1 PRED t=20 task=KWS label=yes conf=0.900 us=9000\n"));
            Assert.AreEqual(0, SerialLog.Compare(a, b).Count);
            var c = SerialLog.Read(new StringReader("MN1 PRED t=20 task=KWS label=no conf=0.900 us=10\n"));
            Assert.AreEqual(1, SerialLog.Compare(a, c).Count);
        }
    }
}
