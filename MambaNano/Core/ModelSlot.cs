using System.Text;
using MambaNano.Interop;

namespace MambaNano
{
    /// <summary>
    /// One model in the native engine (a slot of mn_engine.h): load through the validating
    /// loader, feed it sensor input, read class probabilities. The one wrapper above
    /// <see cref="NativeEngine"/> (InternalCall on the device, P/Invoke on the host). Loading
    /// allocates (names, info); stepping and reading do not.
    /// </summary>
    public sealed class ModelSlot
    {
        private readonly int _slot;
        private readonly int[] _info = new int[EngineInfo.Count];
        private readonly int[] _signal = new int[EngineSignal.Count];
        private string[] _classNames = new string[0];

        public ModelSlot(int slot)
        {
            _slot = slot;
        }

        /// <summary>Engine slot index (0 = HAR, 1 = KWS).</summary>
        public int Slot => _slot;

        /// <summary>True once a model is loaded.</summary>
        public bool IsLoaded => _info[EngineInfo.Task] != 0;

        /// <summary>ModelCodes.TaskHar or TaskKws (0 when nothing is loaded).</summary>
        public int Task => _info[EngineInfo.Task];

        public int Frontend => _info[EngineInfo.Frontend];

        public int ClassCount => _info[EngineInfo.Classes];

        public int Streams => _info[EngineInfo.Streams];

        /// <summary>CRC-32 of the loaded file: identifies the model.</summary>
        public uint ModelCrc => (uint)_info[EngineInfo.ModelCrc];

        public int FileBytes => _info[EngineInfo.FileBytes];

        /// <summary>Bytes of INT8 state per stream.</summary>
        public int StateBytes => _info[EngineInfo.StateBytes];

        /// <summary>Sample rate (Hz) the model's front-end expects.</summary>
        public int SampleRateHz => _info[EngineInfo.SampleRate];

        /// <summary>Class names from the model file, index = class.</summary>
        public string[] ClassNames => _classNames;

        /// <summary>Validate and load a model file with <paramref name="streams"/> INT8 states.
        /// On failure the slot keeps the model it had. Returns an EngineStatus code.</summary>
        public int Load(IModelFile file, int streams)
        {
            if (file == null)
            {
                return EngineStatus.Arg;
            }
            int status = file.Load(_slot, streams);
            if (status != EngineStatus.Ok)
            {
                return status;
            }
            return Refresh();
        }

        /// <summary><see cref="Load(IModelFile, int)"/> of a model file's bytes.</summary>
        public int Load(byte[] file, int streams) => Load(ModelBytes.Of(file), streams);

        /// <summary>Check a model file as <see cref="Load(IModelFile, int)"/> would (the engine
        /// validates the whole file: header, length, CRC, tensors; and that it fits the slot),
        /// without touching the slot. Returns an EngineStatus code. Only after Ok may the file's
        /// bytes be interpreted.</summary>
        public int Check(IModelFile file) => file == null ? EngineStatus.Arg : file.Check(_slot);

        /// <summary><see cref="Check(IModelFile)"/> of a model file's bytes.</summary>
        public int Check(byte[] file) => Check(ModelBytes.Of(file));

        private int Refresh()
        {
            int status = NativeEngine.Info(_slot, _info);
            if (status != EngineStatus.Ok)
            {
                return status;
            }
            string[] names = new string[_info[EngineInfo.Classes]];
            byte[] name = new byte[ModelCodes.ClassNameBytes];
            for (int c = 0; c < names.Length; c++)
            {
                status = NativeEngine.ClassName(_slot, c, name);
                if (status != EngineStatus.Ok)
                {
                    return status;
                }
                names[c] = AsciiZ(name);
            }
            _classNames = names;
            return EngineStatus.Ok;
        }

        /// <summary>Reset the front-end for input at <paramref name="sampleRateHz"/> and every stream.
        /// A rate the front-end refuses returns EngineStatus.SampleRate and changes nothing.</summary>
        public int Start(int sampleRateHz) => NativeEngine.Start(_slot, sampleRateHz);

        /// <summary>Reset one stream (a new window).</summary>
        public int Reset(int stream) => NativeEngine.Reset(_slot, stream);

        /// <summary>One MPU6050 sample: counts (6) accel x y z, gyro x y z.</summary>
        public int PushImuCounts(short[] counts, int accelFullScaleG, int gyroFullScaleDps) =>
            NativeEngine.PushImuCounts(_slot, counts, accelFullScaleG, gyroFullScaleDps);

        /// <summary>One IMU sample: values (6) milli-g x y z, milli-rad/s x y z.</summary>
        public int PushImuPhysical(int[] values) => NativeEngine.PushImuPhysical(_slot, values);

        /// <summary>Whole hops of PCM bytes: the first <paramref name="count"/> bytes of
        /// <paramref name="pcm"/>, little-endian samples of <paramref name="bytesPerSample"/>.</summary>
        public int PushPcm(byte[] pcm, int count, int bytesPerSample) =>
            NativeEngine.PushPcm(_slot, pcm, count, bytesPerSample);

        /// <summary>Q15 class probabilities of a stream's window into <paramref name="probsQ15"/>;
        /// returns the argmax class, or a status negated.</summary>
        public int Read(int stream, int[] probsQ15) => NativeEngine.Read(_slot, stream, probsQ15);

        /// <summary>Peak, rail hits, mean absolute deviation and samples of the last input
        /// (index with EngineSignal). The array is the slot's own and is overwritten each call.</summary>
        public int[] Signal()
        {
            NativeEngine.Signal(_slot, _signal);
            return _signal;
        }

        /// <summary>The engine's message for a status code (allocates: error paths only).</summary>
        public static string StatusMessage(int status)
        {
            byte[] text = new byte[96];
            NativeEngine.StatusText(status, text);
            return AsciiZ(text);
        }

        private static string AsciiZ(byte[] bytes)
        {
            int n = 0;
            while (n < bytes.Length && bytes[n] != 0)
            {
                n++;
            }
            return Encoding.UTF8.GetString(bytes, 0, n);
        }
    }
}
