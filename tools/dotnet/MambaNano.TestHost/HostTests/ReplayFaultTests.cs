// Faults injected into a real replayed recording (tools/dotnet/MambaNano.Host/FaultInjection.cs): the app
// reports each one, recovers, and keeps predicting. Needs the hapt data set (skipped without it).
using System;
using System.Collections.Generic;
using System.IO;
using MambaNano.Host;
using MambaNano.Tests;
using nanoFramework.TestFramework;

namespace MambaNano.TestHost
{
    [TestClass]
    public class ReplayFaultTests
    {
        private static readonly string Repo =
            Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../.."));
        // The data sets' folder as the Python tools read MAMBANANO_DATA (run_tests.sh sets it to where
        // `tools/mambanano data where hapt` finds HAPT); else ../shared/data beside the repository.
        private static readonly string DataRoot =
            Environment.GetEnvironmentVariable("MAMBANANO_DATA") is { Length: > 0 } root
                ? root
                : Path.Combine(Repo, "../shared/data");
        private static readonly string Recording =
            Path.Combine(DataRoot, "hapt/RawData/acc_exp05_user03.txt");

        private static CaptureSink Replay(double seconds, params string[] faults)
        {
            if (!File.Exists(Recording))
            {
                Assert.SkipTest(Recording + " not present");
            }
            var list = new List<Fault>();
            foreach (string f in faults)
            {
                list.Add(Fault.Parse(f, FaultyImuSource.Kinds));
            }
            var sink = new CaptureSink();
            MambaNanoApp app = null;
            var imu = new FaultyImuSource(new HaptImuSource(Recording), list, () => app.TimeMs);
            app = new MambaNanoApp(new Protocol(sink), imu, null);
            app.Begin(File.ReadAllBytes(Path.Combine(Repo, "weights/har.mnm")), null);
            for (int i = 0; i < seconds * 50 && app.Tick(); i++)
            {
            }
            return sink;
        }

        private static int PredictionsAfter(CaptureSink sink, long tMs)
        {
            int n = 0;
            foreach (string line in sink.Lines)
            {
                SerialRecord r = SerialLog.Parse(line);
                if (r.Kind == "PRED" && r.TimeMs > tMs)
                {
                    n++;
                }
            }
            return n;
        }

        [TestMethod]
        public void AnImuDropoutIsReportedRecoveredAndPredictionsResume()
        {
            CaptureSink sink = Replay(60, "dropout:20:3");
            Assert.IsNotNull(sink.Find("MN1 ERR t=20000 src=IMU code=" + SensorStatus.BusError.ToString()), sink.All());
            Assert.IsNotNull(sink.Find("MN1 STATUS t=23000 src=IMU state=OK"), sink.All());
            Assert.IsTrue(PredictionsAfter(sink, 23000) >= 25, "reports resume after the reconnect");
        }

        [TestMethod]
        public void StuckAndSaturatedStretchesAreReportedAndClear()
        {
            CaptureSink sink = Replay(60, "stuck:20:4", "saturate:40:2");
            Assert.IsNotNull(sink.Find("src=IMU state=STUCK"), sink.All());
            Assert.IsNotNull(sink.Find("src=IMU state=OK detail=STUCK"), sink.All());
            Assert.IsNotNull(sink.Find("src=IMU state=SATURATED"), sink.All());
            Assert.IsNotNull(sink.Find("src=IMU state=OK detail=SATURATED"), sink.All());
            Assert.IsTrue(PredictionsAfter(sink, 45000) >= 10);
        }

        [TestMethod]
        public void AnImuAtTheWrongRateIsRefusedWithAClearError()
        {
            if (!File.Exists(Recording))
            {
                Assert.SkipTest(Recording + " not present");
            }
            var sink = new CaptureSink();
            var app = new MambaNanoApp(new Protocol(sink), new HaptImuSource(Recording, 100), null);
            app.Begin(File.ReadAllBytes(Path.Combine(Repo, "weights/har.mnm")), null);
            for (int i = 0; i < 500; i++)
            {
                app.Tick();
            }
            string refused = "src=HAR code=" + MambaNano.Interop.EngineStatus.SampleRate.ToString()
                + " msg=sample rate refused";
            Assert.IsNotNull(sink.Find(refused), sink.All());
            Assert.AreEqual(0, sink.Count("MN1 PRED"));
        }
    }
}
