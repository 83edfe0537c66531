using MambaNano.Interop;
using nanoFramework.TestFramework;

namespace MambaNano.Tests
{
    /// <summary>The whole app with simulated sensors: what it prints, and how it rides out faults.</summary>
    [TestClass]
    public class AppTests
    {
        private CaptureSink _sink;
        private SimulatedImu _imu;
        private GeneratedAudio _mic;

        private MambaNanoApp NewApp(bool imu, bool mic)
        {
            _sink = new CaptureSink();
            _imu = imu ? new SimulatedImu() : null;
            _mic = mic ? new GeneratedAudio() : null;
            return new MambaNanoApp(new Protocol(_sink), _imu, _mic);
        }

        private static void Run(MambaNanoApp app, int ticks)
        {
            for (int i = 0; i < ticks; i++)
            {
                app.Tick();
            }
        }

        [Cleanup]
        public void UnloadAll()
        {
            new ModelSlot(0).Unload();
            new ModelSlot(1).Unload();
        }

        [TestMethod]
        public void StartsAndReportsHarEveryStrideOfSamples()
        {
            MambaNanoApp app = NewApp(true, false);
            app.Begin(TestModels.Imu(), null);
            Assert.StartsWith("MN1 START t=0", (string)_sink.Lines[0]);
            Assert.IsNotNull(_sink.Find("MN1 MODEL t=0 task=HAR"));
            Assert.IsNotNull(_sink.Find("src=KWS state=OFF"));
            Assert.IsNotNull(_sink.Find("MN1 STATUS t=0 src=IMU state=OK"));
            Run(app, 128 + 64 * 3);
            Assert.AreEqual(4, _sink.Count("MN1 PRED"));
            Assert.IsNotNull(_sink.Find("MN1 PRED t=2560 task=HAR label=class"), _sink.All());
            Assert.IsNotNull(_sink.Find("MN1 PRED t=3840 task=HAR"), _sink.All());
        }

        [TestMethod]
        public void HarAndKwsRunSideBySide()
        {
            MambaNanoApp app = NewApp(true, true);
            app.Begin(TestModels.Imu(), TestModels.Logmel());
            Run(app, 200);
            Assert.IsTrue(app.Har.Running && app.Kws.Running);
            Assert.AreEqual(200, (int)app.Har.Scheduler.Frames);
            Assert.AreEqual(200, (int)app.Kws.Scheduler.Frames);
            Assert.AreEqual(0, _sink.Count("MN1 ERR"), _sink.All());
        }

        [TestMethod]
        public void NoMpu6050OnTheBusIsReportedRetriedAndRecovered()
        {
            MambaNanoApp app = NewApp(true, true);
            _imu.Chip.Absent = true;
            app.Begin(TestModels.Imu(), TestModels.Logmel());
            Assert.IsNotNull(_sink.Find("MN1 ERR t=0 src=IMU code=" + SensorStatus.NoDevice.ToString() + " msg=NO_DEVICE"), _sink.All());
            Run(app, 120);
            Assert.AreEqual(1, _sink.Count("src=IMU code="), "reported once, not once per retry");
            Assert.IsTrue(app.Kws.Running, "the microphone side keeps running");
            _imu.Chip.Absent = false;
            Run(app, 60);
            Assert.IsNotNull(_sink.Find("src=IMU state=OK"));
            Assert.IsTrue(app.Har.Running);
        }

        [TestMethod]
        public void AnI2cErrorMidStreamStopsHarUntilTheChipAnswersAgain()
        {
            MambaNanoApp app = NewApp(true, false);
            app.Begin(TestModels.Imu(), null);
            Run(app, 100);
            _imu.Chip.FailAfter = 0;
            Run(app, 10);
            Assert.IsNotNull(_sink.Find("src=IMU code=" + SensorStatus.BusError.ToString()), _sink.All());
            _imu.Chip.FailAfter = -1;
            Run(app, 60);
            Assert.AreEqual(2, _sink.Count("src=IMU state=OK"), _sink.All());
            long framesAfterRestart = app.Har.Scheduler.Frames;
            Assert.IsTrue(framesAfterRestart > 0 && framesAfterRestart < 60, "windows restart after the gap");
        }

        [TestMethod]
        public void StuckAndSaturatedImuAreReported()
        {
            MambaNanoApp app = NewApp(true, false);
            app.Begin(TestModels.Imu(), null);
            _imu.Fixed = new short[] { 100, 200, 300, 4, 5, 6 };
            Run(app, 60);
            Assert.IsNotNull(_sink.Find("src=IMU state=STUCK"), _sink.All());
            _imu.Fixed = null;
            Run(app, 5);
            Assert.IsNotNull(_sink.Find("src=IMU state=OK detail=STUCK"));
            _imu.Fixed = new short[] { short.MaxValue, 0, short.MinValue, 0, 0, 0 };
            Run(app, 20);
            Assert.IsNotNull(_sink.Find("src=IMU state=SATURATED"), _sink.All());
        }

        [TestMethod]
        public void SilentAndClippedMicrophoneAreReported()
        {
            MambaNanoApp app = NewApp(false, true);
            app.Begin(null, TestModels.Logmel());
            _mic.Signal = GeneratedAudio.Silence;
            Run(app, 110);
            Assert.IsNotNull(_sink.Find("src=MIC state=SILENT"), _sink.All());
            _mic.Signal = GeneratedAudio.FullScale;
            Run(app, 40);
            Assert.IsNotNull(_sink.Find("src=MIC state=OK detail=SILENT"), _sink.All());
            Assert.IsNotNull(_sink.Find("src=MIC state=CLIPPED"), _sink.All());
            Assert.IsTrue(app.Kws.Running, "saturation is reported, not fatal");
        }

        [TestMethod]
        public void AMicrophoneAtTheWrongRateDisablesKwsOnlyWithAClearError()
        {
            MambaNanoApp app = NewApp(true, true);
            _mic.RateHz = 8000;
            app.Begin(TestModels.Imu(), TestModels.Logmel());
            Assert.IsNotNull(_sink.Find("src=KWS code=" + EngineStatus.SampleRate.ToString()), _sink.All());
            Assert.IsFalse(app.Kws.Running);
            Run(app, 200);
            Assert.IsTrue(_sink.Count("task=HAR") > 0, "HAR keeps going");
        }

        [TestMethod]
        public void AModelThatFailsToLoadIsReportedAndTheOtherTaskRuns()
        {
            MambaNanoApp app = NewApp(true, true);
            byte[] bad = TestModels.Logmel();
            bad[200] ^= 1;
            app.Begin(TestModels.Imu(), bad);
            Assert.IsNotNull(_sink.Find("MN1 ERR t=0 src=KWS code=" + EngineStatus.Crc.ToString()), _sink.All());
            Run(app, 200);
            Assert.IsFalse(app.Kws.Running);
            Assert.IsTrue(_sink.Count("task=HAR") > 0);
        }

        [TestMethod]
        public void ReplacingAModelWithABadOrWrongTaskFileKeepsTheRunningOne()
        {
            MambaNanoApp app = NewApp(true, false);
            app.Begin(TestModels.Imu(), null);
            Run(app, 100);
            Assert.IsFalse(app.ReplaceModel(Protocol.TaskHar, TestModels.Logmel()), "a KWS file in the HAR slot");
            byte[] bad = TestModels.Imu();
            bad[bad.Length - 1] ^= 1;
            Assert.IsFalse(app.ReplaceModel(Protocol.TaskHar, bad));
            Assert.AreEqual(100, (int)app.Har.Scheduler.Frames, "the running windows are untouched");
            Run(app, 28);
            Assert.AreEqual(1, _sink.Count("MN1 PRED"), _sink.All());
            Assert.IsTrue(app.ReplaceModel(Protocol.TaskHar, TestModels.Imu()));
            Assert.AreEqual(2, _sink.Count("MN1 MODEL"));
        }

        [TestMethod]
        public void AMissingMicrophoneIsRetriedEverySecond()
        {
            MambaNanoApp app = NewApp(false, true);
            _mic.ConnectStatus = SensorStatus.NoDevice;
            app.Begin(null, TestModels.Logmel());
            Assert.IsFalse(app.MicPaced);
            Run(app, 49);
            _mic.ConnectStatus = SensorStatus.Ok;
            Run(app, 1);
            Assert.IsTrue(app.MicPaced);
            Assert.IsTrue(app.Kws.Running);
        }
    }
}
