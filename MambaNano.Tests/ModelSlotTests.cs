using MambaNano.Interop;
using nanoFramework.TestFramework;

namespace MambaNano.Tests
{
    /// <summary>The interop wrapper against the real native engine (firmware on the device, the
    /// shared library on the host).</summary>
    [TestClass]
    public class ModelSlotTests
    {
        [TestMethod]
        public void LoadsAModelAndReadsItsInfoAndClassNames()
        {
            ModelSlot m = new ModelSlot(0);
            Assert.AreEqual(EngineStatus.Ok, m.Load(TestModels.Imu(), 2));
            Assert.IsTrue(m.IsLoaded);
            Assert.AreEqual(ModelCodes.TaskHar, m.Task);
            Assert.AreEqual(ModelCodes.FrontendImu, m.Frontend);
            Assert.AreEqual(6, m.ClassCount);
            Assert.AreEqual(2, m.Streams);
            Assert.AreEqual(50, m.SampleRateHz);
            Assert.AreEqual("class5", m.ClassNames[5]);
            Assert.IsTrue(m.StateBytes > 0);
        }

        [TestMethod]
        public void ACorruptOrTruncatedFileIsRefusedAndTheRunningModelKeepsItsState()
        {
            ModelSlot m = new ModelSlot(0);
            Assert.AreEqual(EngineStatus.Ok, m.Load(TestModels.Imu(), 1));
            short[] counts = new short[] { 100, -50, 8000, 10, -10, 5 };
            for (int i = 0; i < 30; i++)
            {
                Assert.AreEqual(EngineStatus.Ok, m.PushImuCounts(counts, 4, 500));
            }
            int[] before = new int[ModelCodes.MaxClasses];
            int best = m.Read(0, before);
            uint crc = m.ModelCrc;

            byte[] bad = TestModels.Imu();
            bad[bad.Length / 2] ^= 0x40;
            Assert.AreEqual(EngineStatus.Crc, m.Load(bad, 1));
            byte[] cut = new byte[100];
            System.Array.Copy(TestModels.Imu(), cut, cut.Length);
            Assert.AreEqual(EngineStatus.Truncated, m.Load(cut, 1));
            Assert.AreEqual(EngineStatus.Arg, m.Load(new byte[0], 1));

            int[] after = new int[ModelCodes.MaxClasses];
            Assert.AreEqual(best, m.Read(0, after));
            for (int c = 0; c < m.ClassCount; c++)
            {
                Assert.AreEqual(before[c], after[c]);
            }
            Assert.AreEqual(crc, m.ModelCrc);
            Assert.Contains("CRC", ModelSlot.StatusMessage(EngineStatus.Crc));
        }

        [TestMethod]
        public void AWrongSampleRateIsRefusedWithoutResettingTheStream()
        {
            ModelSlot m = new ModelSlot(1);
            Assert.AreEqual(EngineStatus.Ok, m.Load(TestModels.Logmel(), 1));
            byte[] hop = new byte[640];
            Assert.AreEqual(EngineStatus.Ok, m.PushPcm(hop, hop.Length, 2));
            int[] probsQ15 = new int[ModelCodes.MaxClasses];
            Assert.IsTrue(m.Read(0, probsQ15) >= 0, "one hop is one step");
            Assert.AreEqual(EngineStatus.SampleRate, m.Start(8000));
            Assert.IsTrue(m.Read(0, probsQ15) >= 0, "the refused rate left the stream's step");
            Assert.AreEqual(EngineStatus.Ok, m.Start(16000));
            Assert.AreEqual(-EngineStatus.NoSteps, m.Read(0, probsQ15), "a start resets every stream");
        }

        [TestMethod]
        public void InputOfTheWrongKindOrLengthGetsItsOwnStatus()
        {
            ModelSlot imu = new ModelSlot(0);
            Assert.AreEqual(EngineStatus.Ok, imu.Load(TestModels.Imu(), 1));
            Assert.AreEqual(EngineStatus.Length, imu.PushImuPhysical(new int[5]));
            ModelSlot m = new ModelSlot(1);
            Assert.AreEqual(EngineStatus.Ok, m.Load(TestModels.Logmel(), 1));
            Assert.AreEqual(EngineStatus.Frontend, m.PushImuCounts(new short[6], 4, 500));
            Assert.AreEqual(EngineStatus.Hop, m.PushPcm(new byte[640], 600, 2));
            Assert.AreEqual(EngineStatus.Arg, m.PushPcm(new byte[640], 641, 2));
            Assert.AreEqual(-EngineStatus.NoSteps, m.Read(0, new int[ModelCodes.MaxClasses]));
            Assert.AreEqual(-EngineStatus.Stream, m.Read(1, new int[ModelCodes.MaxClasses]));
            Assert.AreEqual(EngineStatus.Slot, new ModelSlot(ModelCodes.EngineSlots).Load(TestModels.Imu(), 1));
        }
    }
}
