using MambaNano.Interop;
using nanoFramework.TestFramework;

namespace MambaNano.Tests
{
    /// <summary>The whole app with simulated sensors: what it prints, and how it rides out faults.</summary>
    [TestClass]
    public class AppTests
    {
        /// <summary>One app with its simulated sensors and captured lines. nanoFramework's
        /// UnitTestLauncher invokes test methods without an instance, so tests keep their state in
        /// locals like this, never in fields.</summary>
        private sealed class Rig
        {
            public readonly CaptureSink Sink = new CaptureSink();
            public readonly SimulatedImu Imu;
            public readonly GeneratedAudio Mic;
            public readonly MambaNanoApp App;

            public Rig(bool imu, bool mic)
            {
                Imu = imu ? new SimulatedImu() : null;
                Mic = mic ? new GeneratedAudio() : null;
                App = new MambaNanoApp(new Protocol(Sink), Imu, Mic);
            }
        }

        private static void Run(MambaNanoApp app, int ticks)
        {
            for (int i = 0; i < ticks; i++)
            {
                app.Tick();
            }
        }

        [TestMethod]
        public void StartsAndReportsHarEveryStrideOfSamples()
        {
            Rig rig = new Rig(true, false);
            MambaNanoApp app = rig.App;
            app.Begin(TestModels.Imu(), null);
            Assert.StartsWith("MN1 START t=0", (string)rig.Sink.Lines[0]);
            Assert.IsNotNull(rig.Sink.Find("MN1 MODEL t=0 task=HAR"));
            Assert.IsNotNull(rig.Sink.Find("src=KWS state=OFF"));
            Assert.IsNotNull(rig.Sink.Find("MN1 STATUS t=0 src=IMU state=OK"));
            const int Window = BoardConfig.HarWindowSamples;
            const int Stride = BoardConfig.HarWindowSamples / BoardConfig.HarStreams;
            const int SampleMs = 1000 / BoardConfig.ImuRateHz;
            Run(app, Window + Stride * 3);
            Assert.AreEqual(4, rig.Sink.Count("MN1 PRED"));
            Assert.IsNotNull(rig.Sink.Find("MN1 PRED t=" + (Window * SampleMs) + " task=HAR label=class"),
                rig.Sink.All());
            Assert.IsNotNull(rig.Sink.Find("MN1 PRED t=" + ((Window + 2 * Stride) * SampleMs) + " task=HAR"),
                rig.Sink.All());
        }

        /// <summary>The PRED lines' text before " us=" (the timing differs from run to run).</summary>
        private static string[] Predictions(CaptureSink sink)
        {
            string[] found = new string[sink.Count("MN1 PRED")];
            int n = 0;
            foreach (string line in sink.Lines)
            {
                if (line.StartsWith("MN1 PRED"))
                {
                    found[n++] = line.Substring(0, line.IndexOf(" us="));
                }
            }
            return found;
        }

        [TestMethod]
        public void SmoothedHarReportsStartFromTheFirstWindowAlone()
        {
            Rig plain = new Rig(true, false);
            Rig smoothed = new Rig(true, false);
            Assert.AreEqual(BoardConfig.HarSmoothingWindows, smoothed.App.HarSmoothingWindows);
            Assert.ThrowsException(typeof(System.ArgumentException), () => smoothed.App.HarSmoothingWindows = 0);
            smoothed.App.HarSmoothingWindows = 4;
            Assert.AreEqual(4, smoothed.App.HarSmoothingWindows);
            plain.App.HarSmoothingWindows = 1;
            int ticks = BoardConfig.HarWindowSamples + BoardConfig.HarWindowSamples / BoardConfig.HarStreams * 3;
            plain.App.Begin(TestModels.Imu(), null); // one after the other: both apps drive native slot 0
            Run(plain.App, ticks);
            smoothed.App.Begin(TestModels.Imu(), null);
            Run(smoothed.App, ticks);
            string[] one = Predictions(plain.Sink);
            string[] four = Predictions(smoothed.Sink);
            Assert.AreEqual(4, one.Length, plain.Sink.All());
            Assert.AreEqual(one.Length, four.Length, "smoothing changes what is reported, not when");
            Assert.AreEqual(one[0], four[0], "the first report averages the one window seen, not 4");
        }

        [TestMethod]
        public void HarAndKwsRunSideBySide()
        {
            Rig rig = new Rig(true, true);
            MambaNanoApp app = rig.App;
            app.Begin(TestModels.Imu(), TestModels.Logmel());
            Run(app, 200);
            Assert.IsTrue(app.Har.Running && app.Kws.Running);
            Assert.AreEqual(200, (int)app.Har.Scheduler.Frames);
            Assert.AreEqual(200, (int)app.Kws.Scheduler.Frames);
            Assert.AreEqual(0, rig.Sink.Count("MN1 ERR"), rig.Sink.All());
        }

        [TestMethod]
        public void NoMpu6050OnTheBusIsReportedRetriedAndRecovered()
        {
            Rig rig = new Rig(true, true);
            MambaNanoApp app = rig.App;
            rig.Imu.Chip.Absent = true;
            app.Begin(TestModels.Imu(), TestModels.Logmel());
            string noDevice = "MN1 ERR t=0 src=IMU code=" + SensorStatus.NoDevice.ToString() + " msg=NO_DEVICE";
            Assert.IsNotNull(rig.Sink.Find(noDevice), rig.Sink.All());
            Run(app, 120);
            Assert.AreEqual(1, rig.Sink.Count("src=IMU code="), "reported once, not once per retry");
            Assert.IsTrue(app.Kws.Running, "the microphone side keeps running");
            rig.Imu.Chip.Absent = false;
            Run(app, 60);
            Assert.IsNotNull(rig.Sink.Find("src=IMU state=OK"));
            Assert.IsTrue(app.Har.Running);
        }

        [TestMethod]
        public void AnI2cErrorMidStreamStopsHarUntilTheChipAnswersAgain()
        {
            Rig rig = new Rig(true, false);
            MambaNanoApp app = rig.App;
            app.Begin(TestModels.Imu(), null);
            Run(app, 100);
            rig.Imu.Chip.FailAfter = 0;
            Run(app, 10);
            Assert.IsNotNull(rig.Sink.Find("src=IMU code=" + SensorStatus.BusError.ToString()), rig.Sink.All());
            rig.Imu.Chip.FailAfter = -1;
            Run(app, 60);
            Assert.AreEqual(2, rig.Sink.Count("src=IMU state=OK"), rig.Sink.All());
            long framesAfterRestart = app.Har.Scheduler.Frames;
            Assert.IsTrue(framesAfterRestart > 0 && framesAfterRestart < 60, "windows restart after the gap");
        }

        [TestMethod]
        public void StuckAndSaturatedImuAreReported()
        {
            Rig rig = new Rig(true, false);
            MambaNanoApp app = rig.App;
            app.Begin(TestModels.Imu(), null);
            rig.Imu.Fixed = new short[] { 100, 200, 300, 4, 5, 6 };
            Run(app, 60);
            Assert.IsNotNull(rig.Sink.Find("src=IMU state=STUCK"), rig.Sink.All());
            rig.Imu.Fixed = null;
            Run(app, 5);
            Assert.IsNotNull(rig.Sink.Find("src=IMU state=OK detail=STUCK"));
            rig.Imu.Fixed = new short[] { short.MaxValue, 0, short.MinValue, 0, 0, 0 };
            Run(app, 20);
            Assert.IsNotNull(rig.Sink.Find("src=IMU state=SATURATED"), rig.Sink.All());
        }

        [TestMethod]
        public void SilentAndClippedMicrophoneAreReported()
        {
            Rig rig = new Rig(false, true);
            MambaNanoApp app = rig.App;
            app.Begin(null, TestModels.Logmel());
            rig.Mic.Signal = GeneratedAudio.Silence;
            Run(app, 110);
            Assert.IsNotNull(rig.Sink.Find("src=MIC state=SILENT"), rig.Sink.All());
            rig.Mic.Signal = GeneratedAudio.FullScale;
            Run(app, 40);
            Assert.IsNotNull(rig.Sink.Find("src=MIC state=OK detail=SILENT"), rig.Sink.All());
            Assert.IsNotNull(rig.Sink.Find("src=MIC state=CLIPPED"), rig.Sink.All());
            Assert.IsTrue(app.Kws.Running, "saturation is reported, not fatal");
        }

        [TestMethod]
        public void AMicrophoneAtTheWrongRateDisablesKwsOnlyWithAClearError()
        {
            Rig rig = new Rig(true, true);
            MambaNanoApp app = rig.App;
            rig.Mic.RateHz = 8000;
            app.Begin(TestModels.Imu(), TestModels.Logmel());
            Assert.IsNotNull(rig.Sink.Find("src=KWS code=" + EngineStatus.SampleRate.ToString()), rig.Sink.All());
            Assert.IsFalse(app.Kws.Running);
            Run(app, 200);
            Assert.IsTrue(rig.Sink.Count("task=HAR") > 0, "HAR keeps going");
        }

        [TestMethod]
        public void AModelThatFailsToLoadIsReportedAndTheOtherTaskRuns()
        {
            Rig rig = new Rig(true, true);
            MambaNanoApp app = rig.App;
            byte[] bad = TestModels.Logmel();
            bad[200] ^= 1;
            app.Begin(TestModels.Imu(), bad);
            Assert.IsNotNull(rig.Sink.Find("MN1 ERR t=0 src=KWS code=" + EngineStatus.Crc.ToString()), rig.Sink.All());
            Run(app, 200);
            Assert.IsFalse(app.Kws.Running);
            Assert.IsTrue(rig.Sink.Count("task=HAR") > 0);
        }

        [TestMethod]
        public void ARefusedModelGetsTheEnginesCodeAndItsTaskIsOff()
        {
            // The engine validates before the app reads the task byte: zeros are not a model file
            // (code 3), a valid file of the other task gets the app's own code, and bytes appended
            // to a valid model are refused (the header knows the length).
            Rig rig = new Rig(true, true);
            MambaNanoApp app = rig.App;
            app.Begin(new byte[4096], TestModels.Imu());
            string badMagic = "MN1 ERR t=0 src=HAR code=" + EngineStatus.Magic.ToString() + " msg=not a MambaNano";
            Assert.IsNotNull(rig.Sink.Find(badMagic), rig.Sink.All());
            Assert.IsNotNull(rig.Sink.Find("MN1 STATUS t=0 src=HAR state=OFF detail=load_failed"), rig.Sink.All());
            Assert.IsNotNull(rig.Sink.Find("MN1 ERR t=0 src=KWS code=" + Protocol.CodeWrongTask.ToString()
                + " msg=model file is for another task (HAR)"), rig.Sink.All());
            Assert.IsNotNull(rig.Sink.Find("MN1 STATUS t=0 src=KWS state=OFF detail=load_failed"), rig.Sink.All());
            Assert.AreEqual(0, rig.Sink.Count("MN1 MODEL"));
            Assert.IsFalse(app.Har.Running);
            Assert.IsFalse(app.Kws.Running);

            Run(app, 200);
            Assert.AreEqual(0, rig.Sink.Count("MN1 PRED"), rig.Sink.All());
        }

        [TestMethod]
        public void BytesAppendedToAValidModelAreRefused()
        {
            byte[] good = TestModels.Imu();
            byte[] appended = new byte[good.Length + 16];
            System.Array.Copy(good, appended, good.Length);
            Rig rig = new Rig(true, false);
            rig.App.Begin(appended, null);
            Assert.IsNotNull(rig.Sink.Find("MN1 ERR t=0 src=HAR code=" + EngineStatus.Trailing.ToString()
                + " msg=bytes after the length its header gives"), rig.Sink.All());
            Assert.IsNotNull(rig.Sink.Find("MN1 STATUS t=0 src=HAR state=OFF detail=load_failed"), rig.Sink.All());
            Assert.IsFalse(rig.App.Har.Running);
        }

        [TestMethod]
        public void AMissingMicrophoneIsRetriedEverySecond()
        {
            Rig rig = new Rig(false, true);
            MambaNanoApp app = rig.App;
            rig.Mic.ConnectStatus = SensorStatus.NoDevice;
            app.Begin(null, TestModels.Logmel());
            Assert.IsFalse(app.MicPaced);
            Run(app, 49);
            rig.Mic.ConnectStatus = SensorStatus.Ok;
            Run(app, 1);
            Assert.IsTrue(app.MicPaced);
            Assert.IsTrue(app.Kws.Running);
        }
    }
}
