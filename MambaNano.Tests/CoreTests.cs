using System;
using MambaNano.Interop;
using nanoFramework.TestFramework;

namespace MambaNano.Tests
{
    [TestClass]
    public class LineWriterTests
    {
        private static string Text(LineWriter w) => System.Text.Encoding.UTF8.GetString(w.Buffer, 0, w.Length);

        [TestMethod]
        public void FormatsIntegersFixedPointAndHexWithoutAllocatingStrings()
        {
            LineWriter w = new LineWriter();
            w.Append(0L);
            w.Append(' ');
            w.Append(-1234567890123L);
            w.Append(' ');
            w.Append(long.MinValue);
            w.Append(' ');
            w.AppendMilli(934);
            w.Append(' ');
            w.AppendMilli(-5);
            w.Append(' ');
            w.AppendMilli(1000);
            w.Append(' ');
            w.AppendHex(0x1A2B3C4D);
            Assert.AreEqual("0 -1234567890123 -9223372036854775808 0.934 -0.005 1.000 1A2B3C4D", Text(w));
        }

        [TestMethod]
        public void CutsTooLongLinesButAlwaysEndsThem()
        {
            LineWriter w = new LineWriter();
            for (int i = 0; i < 300; i++)
            {
                w.Append('x');
            }
            w.EndLine();
            Assert.AreEqual(LineWriter.Capacity, w.Length);
            Assert.AreEqual((byte)'\n', w.Buffer[w.Length - 1]);
        }

        [TestMethod]
        public void ReplacesNonAsciiCharacters()
        {
            LineWriter w = new LineWriter();
            w.Append("caf\u00e9");
            Assert.AreEqual("caf?", Text(w));
        }
    }

    [TestClass]
    public class ProtocolTests
    {
        [TestMethod]
        public void PredictionLineHasTimeTaskLabelConfidenceAndLatency()
        {
            CaptureSink sink = new CaptureSink();
            new Protocol(sink).Prediction(2560, Protocol.TaskHar, "WALKING", 934, 412);
            Assert.AreEqual("MN1 PRED t=2560 task=HAR label=WALKING conf=0.934 us=412", sink.Last);
        }

        [TestMethod]
        public void StatusAndErrorLines()
        {
            CaptureSink sink = new CaptureSink();
            Protocol p = new Protocol(sink);
            p.Status(1000, Protocol.SourceMic, "SILENT", null);
            Assert.AreEqual("MN1 STATUS t=1000 src=MIC state=SILENT", sink.Last);
            p.Status(0, Protocol.TaskKws, "OFF", "no_model");
            Assert.AreEqual("MN1 STATUS t=0 src=KWS state=OFF detail=no_model", sink.Last);
            p.Error(20, Protocol.TaskKws, 5, "CRC-32 over the payload does not match");
            Assert.AreEqual("MN1 ERR t=20 src=KWS code=5 msg=CRC-32 over the payload does not match", sink.Last);
            p.Start(0, "board-x");
            Assert.AreEqual("MN1 START t=0 app=" + Protocol.AppVersion + " board=board-x", sink.Last);
        }
    }

    [TestClass]
    public class WindowSchedulerTests
    {
        [TestMethod]
        public void TwoStreamsScoreA128WindowEvery64Frames()
        {
            WindowScheduler s = new WindowScheduler(128, 2);
            int reads = 0;
            for (int k = 1; k <= 512; k++)
            {
                bool read;
                int stream = s.Advance(out read);
                if (k % 64 != 0)
                {
                    Assert.AreEqual(-1, stream, "frame " + k.ToString());
                    continue;
                }
                Assert.AreEqual(k / 64 % 2, stream, "frame " + k.ToString());
                Assert.AreEqual(k >= 128, read, "frame " + k.ToString());
                if (read)
                {
                    reads++;
                }
            }
            Assert.AreEqual(7, reads); // windows ending at 128, 192, ..., 512
        }

        [TestMethod]
        public void EachReadStreamHasSeenExactlyOneWindow()
        {
            // Simulate the engine: steps per stream since its reset.
            WindowScheduler s = new WindowScheduler(50, 5);
            int[] steps = new int[5];
            for (int k = 1; k <= 1000; k++)
            {
                for (int i = 0; i < 5; i++)
                {
                    steps[i]++;
                }
                bool read;
                int stream = s.Advance(out read);
                if (stream < 0)
                {
                    continue;
                }
                if (read)
                {
                    Assert.AreEqual(50, steps[stream], "frame " + k.ToString());
                }
                steps[stream] = 0;
            }
        }

        [TestMethod]
        public void RefusesAWindowThatStreamsDoNotDivide()
        {
            Assert.ThrowsException(typeof(ArgumentException), () => new WindowScheduler(50, 4));
            Assert.ThrowsException(typeof(ArgumentException), () => new WindowScheduler(10, 0));
        }
    }

    [TestClass]
    public class KwsDetectorTests
    {
        private static readonly string[] Names = new string[] { "_silence_", "_unknown_", "yes", "no" };

        private static int[] Probs(int silence, int unknown, int yes, int no)
        {
            return new int[] { silence * 32768 / 1000, unknown * 32768 / 1000, yes * 32768 / 1000, no * 32768 / 1000 };
        }

        [TestMethod]
        public void DetectsAKeywordOnlyWhenTheSmoothedProbabilityReachesTheThreshold()
        {
            KwsDetector d = new KwsDetector(3, 700, 1000);
            d.Begin(Names);
            Assert.IsFalse(d.Update(200, Probs(0, 100, 900, 0)), "one window of three");
            Assert.IsFalse(d.Update(400, Probs(0, 100, 900, 0)), "two of three: mean 600");
            Assert.IsTrue(d.Update(600, Probs(0, 100, 900, 0)));
            Assert.AreEqual(2, d.DetectedClass);
            Assert.IsTrue(d.DetectedQ15 > 29000);
        }

        [TestMethod]
        public void NeverReportsSilenceOrUnknown()
        {
            KwsDetector d = new KwsDetector(1, 500, 0);
            d.Begin(Names);
            Assert.IsFalse(d.Update(200, Probs(990, 10, 0, 0)));
            Assert.IsFalse(d.Update(400, Probs(10, 990, 0, 0)));
        }

        [TestMethod]
        public void RefractoryTimeSuppressesRepeatsOfOneUtterance()
        {
            KwsDetector d = new KwsDetector(1, 700, 1000);
            d.Begin(Names);
            Assert.IsTrue(d.Update(200, Probs(0, 0, 950, 50)));
            Assert.IsFalse(d.Update(400, Probs(0, 0, 950, 50)));
            Assert.IsFalse(d.Update(1000, Probs(0, 0, 50, 950)));
            Assert.IsTrue(d.Update(1200, Probs(0, 0, 50, 950)));
            Assert.AreEqual(3, d.DetectedClass);
        }

        [TestMethod]
        public void RefusesBadSettings()
        {
            Assert.ThrowsException(typeof(ArgumentException), () => new KwsDetector(0, 700, 0));
            Assert.ThrowsException(typeof(ArgumentException), () => new KwsDetector(3, 1001, 0));
            KwsDetector d = new KwsDetector(1, 700, 0);
            Assert.ThrowsException(typeof(ArgumentException), () => d.ThresholdPermille = 0);
            Assert.AreEqual(700, d.ThresholdPermille, "a refused value changes nothing");
        }

        [TestMethod]
        public void TheThresholdCanBeMovedWhileRunning()
        {
            KwsDetector d = new KwsDetector(1, 900, 0);
            d.Begin(Names);
            Assert.IsFalse(d.Update(200, Probs(0, 200, 800, 0)));
            d.ThresholdPermille = 750;
            Assert.AreEqual(750, d.ThresholdPermille);
            Assert.IsTrue(d.Update(400, Probs(0, 200, 800, 0)));
        }
    }

    [TestClass]
    public class PosteriorAverageTests
    {
        private static int[] Row(int a, int b, int c)
        {
            int[] row = new int[ModelCodes.MaxClasses];
            row[0] = a;
            row[1] = b;
            row[2] = c;
            return row;
        }

        [TestMethod]
        public void SumsTheLastWindowsRowsAndForgetsTheOldest()
        {
            PosteriorAverage avg = new PosteriorAverage(2);
            avg.Begin(3);
            Assert.AreEqual(-1, avg.Best(), "no row yet");
            Assert.AreEqual(0, avg.Sum(1));
            avg.Add(Row(100, 900, 0));
            Assert.AreEqual(1, avg.Filled);
            Assert.AreEqual(1, avg.Best());
            avg.Add(Row(700, 300, 0));
            Assert.AreEqual(2, avg.Filled);
            Assert.AreEqual(800, avg.Sum(0));
            Assert.AreEqual(1200, avg.Sum(1));
            Assert.AreEqual(1, avg.Best(), "900 + 300 outweighs 100 + 700");
            avg.Add(Row(700, 300, 0));
            Assert.AreEqual(2, avg.Filled, "at most Windows rows");
            Assert.AreEqual(1400, avg.Sum(0), "the first row left the sum");
            Assert.AreEqual(0, avg.Best());
        }

        [TestMethod]
        public void ATieGoesToTheLowerClassAndClearForgetsEveryRow()
        {
            PosteriorAverage avg = new PosteriorAverage(3);
            avg.Begin(3);
            avg.Add(Row(0, 500, 500));
            Assert.AreEqual(1, avg.Best());
            avg.Clear();
            Assert.AreEqual(3, avg.Classes, "Clear keeps the classes");
            Assert.AreEqual(0, avg.Filled);
            Assert.AreEqual(-1, avg.Best());
            avg.Add(Row(10, 0, 20));
            Assert.AreEqual(20, avg.Sum(2), "nothing from before Clear");
        }

        [TestMethod]
        public void RefusesBadSizes()
        {
            Assert.ThrowsException(typeof(ArgumentException), () => new PosteriorAverage(0));
            PosteriorAverage avg = new PosteriorAverage(1);
            Assert.ThrowsException(typeof(ArgumentException), () => avg.Begin(ModelCodes.MaxClasses + 1));
            Assert.ThrowsException(typeof(ArgumentException), () => avg.Begin(-1));
            avg.Begin(0);
            avg.Add(Row(1, 2, 3));
            Assert.AreEqual(-1, avg.Best(), "no classes before a model is loaded");
        }
    }

    [TestClass]
    public class ConditionMonitorTests
    {
        [TestMethod]
        public void RaisesAfterOnCountAndClearsAfterOffCount()
        {
            ConditionMonitor m = new ConditionMonitor(3, 2);
            Assert.AreEqual(ConditionMonitor.NoChange, m.Update(true));
            Assert.AreEqual(ConditionMonitor.NoChange, m.Update(true));
            Assert.AreEqual(ConditionMonitor.Raised, m.Update(true));
            Assert.AreEqual(ConditionMonitor.NoChange, m.Update(true));
            Assert.AreEqual(ConditionMonitor.NoChange, m.Update(false));
            Assert.AreEqual(ConditionMonitor.NoChange, m.Update(true), "a short break does not clear");
            Assert.AreEqual(ConditionMonitor.NoChange, m.Update(false));
            Assert.AreEqual(ConditionMonitor.Cleared, m.Update(false));
            Assert.IsFalse(m.Active);
        }
    }

    [TestClass]
    public class Mpu6050ReaderTests
    {
        [TestMethod]
        public void ConfigureWakesTheChipAndReadsTheRangesBack()
        {
            SimulatedMpu6050 chip = new SimulatedMpu6050();
            Mpu6050Reader r = new Mpu6050Reader(chip);
            Assert.AreEqual(SensorStatus.Ok, r.Configure(50, 8, 1000));
            Assert.AreEqual(8, r.AccelFullScaleG);
            Assert.AreEqual(1000, r.GyroFullScaleDps);
            Assert.AreEqual((byte)19, chip.Registers[Mpu6050Reader.RegSampleRateDivider]);
            Assert.AreEqual((byte)0x01, chip.Registers[Mpu6050Reader.RegPowerManagement1]);
        }

        [TestMethod]
        public void ConfigureResetsTheChipAndWaitsForTheResetToEnd()
        {
            const byte RegIntEnable = 0x38;
            SimulatedMpu6050 chip = new SimulatedMpu6050();
            Mpu6050Reader r = new Mpu6050Reader(chip);
            chip.Registers[RegIntEnable] = 0x01; // left from an earlier run of the chip
            chip.ResetBusyReads = 2;
            Assert.AreEqual(SensorStatus.Ok, r.Configure(50, 4, 500));
            Assert.AreEqual(1, chip.Resets);
            Assert.AreEqual((byte)0, chip.Registers[RegIntEnable]);
            Assert.AreEqual((byte)0x01, chip.Registers[Mpu6050Reader.RegPowerManagement1]);

            chip.ResetBusyReads = -1; // a reset that never ends
            Assert.AreEqual(SensorStatus.BadConfig, r.Configure(50, 4, 500));
            Assert.AreEqual(2, chip.Resets);
        }

        [TestMethod]
        public void BurstReadDecodesBigEndianCountsAndSkipsTemperature()
        {
            SimulatedMpu6050 chip = new SimulatedMpu6050();
            Mpu6050Reader r = new Mpu6050Reader(chip);
            Assert.AreEqual(SensorStatus.Ok, r.Configure(50, 4, 500));
            short[] counts = new short[] { 8192, -8192, short.MinValue, 1, -1, short.MaxValue };
            chip.SetCounts(counts);
            ImuSample s = new ImuSample();
            Assert.AreEqual(SensorStatus.Ok, r.Read(s));
            for (int i = 0; i < 6; i++)
            {
                Assert.AreEqual(counts[i], s.Counts[i], "channel " + i.ToString());
            }
            Assert.IsTrue(s.IsCounts);
            Assert.AreEqual(4, s.AccelFullScaleG);
            Assert.AreEqual(500, s.GyroFullScaleDps);
        }

        [TestMethod]
        public void ReportsAMissingWrongOrFailingChip()
        {
            SimulatedMpu6050 chip = new SimulatedMpu6050();
            Mpu6050Reader r = new Mpu6050Reader(chip);
            chip.Absent = true;
            Assert.AreEqual(SensorStatus.NoDevice, r.Configure(50, 4, 500));
            chip.Absent = false;
            chip.Registers[Mpu6050Reader.RegWhoAmI] = 0x71; // an MPU9250
            Assert.AreEqual(SensorStatus.WrongDevice, r.Configure(50, 4, 500));
            chip.Registers[Mpu6050Reader.RegWhoAmI] = Mpu6050Reader.WhoAmIValue;
            Assert.AreEqual(SensorStatus.BadConfig, r.Configure(50, 3, 500));
            Assert.AreEqual(SensorStatus.Ok, r.Configure(50, 4, 500));
            chip.FailAfter = 0;
            Assert.AreEqual(SensorStatus.BusError, r.Read(new ImuSample()));
        }
    }
}
