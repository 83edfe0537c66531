using System;
using MambaNano.Interop;
using nanoFramework.TestFramework;

namespace MambaNano.Tests
{
    /// <summary>Models read in place from this assembly's binary resources (ModelResource,
    /// NativeResources.LoadInPlace): device only, as the app's firmware loads its models; the desktop
    /// test runner does not compile this folder.</summary>
    [TestClass]
    public class ModelResourceTests
    {
        [TestMethod]
        public void AResourceReadInPlaceRunsAsItsCopiedBytes()
        {
            ModelSlot inPlace = new ModelSlot(0);
            ModelSlot copied = new ModelSlot(1);
            ModelResource resource = Resources.Model(Resources.BinaryResources.imu);
            Assert.AreEqual(EngineStatus.Ok, inPlace.Check(resource));
            Assert.AreEqual(ModelCodes.TaskHar, resource.Task());
            Assert.AreEqual(EngineStatus.Ok, inPlace.Load(resource, 2));
            Assert.AreEqual(EngineStatus.Ok, copied.Load(TestModels.Imu(), 2));
            Assert.AreEqual(copied.ModelCrc, inPlace.ModelCrc);
            Assert.AreEqual(copied.FileBytes, inPlace.FileBytes);
            short[] counts = new short[] { 100, -50, 8000, 10, -10, 5 };
            int[] a = new int[ModelCodes.MaxClasses], b = new int[ModelCodes.MaxClasses];
            for (int i = 0; i < 40; i++)
            {
                counts[i % 6] += (short)(37 * i);
                Assert.AreEqual(EngineStatus.Ok, inPlace.PushImuCounts(counts, 4, 500));
                Assert.AreEqual(EngineStatus.Ok, copied.PushImuCounts(counts, 4, 500));
                Assert.AreEqual(copied.Read(1, a), inPlace.Read(1, b));
                for (int c = 0; c < inPlace.ClassCount; c++)
                {
                    Assert.AreEqual(a[c], b[c]);
                }
            }
            Assert.AreEqual(ModelCodes.TaskKws, Resources.Model(Resources.BinaryResources.logmel).Task());
        }

        [TestMethod]
        public void AResourceThatIsNotThereIsRefusedAndTheSlotKeepsItsModel()
        {
            ModelSlot slot = new ModelSlot(0);
            Assert.AreEqual(EngineStatus.Ok, slot.Load(Resources.Model(Resources.BinaryResources.imu), 1));
            uint crc = slot.ModelCrc;
            ModelResource missing = new ModelResource(Resources.ResourceManager, Resources.BinaryResources.imu, 12345);
            Assert.AreEqual(EngineStatus.Arg, slot.Check(missing));
            Assert.AreEqual(EngineStatus.Arg, slot.Load(missing, 1));
            Assert.AreEqual(crc, slot.ModelCrc);
            Assert.ThrowsException(typeof(NullReferenceException), () => NativeResources.LoadInPlace(0, null, 1, 1));
            Assert.AreEqual(crc, slot.ModelCrc);
        }
    }
}
