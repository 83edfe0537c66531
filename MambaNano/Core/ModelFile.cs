using MambaNano.Interop;

namespace MambaNano
{
    /// <summary>
    /// A model file as a <see cref="ModelSlot"/> loads it: bytes in managed memory
    /// (<see cref="ModelBytes"/>, copied into the slot's arena) or, on the device, a resource of the
    /// deployed assembly read where it is (Device/ModelResource.cs, no arena). Every method returns
    /// an EngineStatus code.
    /// </summary>
    public interface IModelFile
    {
        /// <summary>Validate the whole file as <see cref="Load"/> would (header, length, CRC,
        /// tensors) and check that it fits the slot, without touching the slot.</summary>
        int Check(int slot);

        /// <summary>The header's task code (ModelCodes.TaskHar or TaskKws): read it only after
        /// <see cref="Check"/> returned Ok.</summary>
        int Task();

        /// <summary>Validate and load into the slot with <paramref name="streams"/> INT8 states; on
        /// failure the slot keeps the model it had.</summary>
        int Load(int slot, int streams);
    }

    /// <summary>A model file's bytes (read from a file, a test's fixture, a resource copy): the engine
    /// copies them into the slot's arena, so the array may be dropped after loading.</summary>
    public sealed class ModelBytes : IModelFile
    {
        private readonly byte[] _file;

        public ModelBytes(byte[] file)
        {
            _file = file;
        }

        /// <summary>A ModelBytes of <paramref name="file"/>, or null for null (no model).</summary>
        public static ModelBytes Of(byte[] file) => file == null ? null : new ModelBytes(file);

        public int Check(int slot) => Load(slot, 0); // 0 streams: check only (mn_engine.h)

        public int Task() => _file[ModelCodes.HeaderTaskOffset];

        public int Load(int slot, int streams)
        {
            if (_file == null || _file.Length == 0)
            {
                return EngineStatus.Arg;
            }
            return NativeEngine.Load(slot, _file, streams);
        }
    }
}
