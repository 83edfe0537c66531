// Numbers shared with the native engine: status codes (mamba_nano.h, mn_frontend.h, mn_engine.h),
// the index of each value NativeEngine.Info and NativeEngine.Signal return, and the task and
// front-end codes of the model file. tools/python/tests/test_interop.py checks them against the headers.
namespace MambaNano.Interop
{
    /// <summary>Status codes every NativeEngine method returns (mn_status, mn_fe_status, mn_engine_status).</summary>
    public static class EngineStatus
    {
        public const int Ok = 0;
        public const int Arg = 1;
        public const int Truncated = 2;
        public const int Magic = 3;
        public const int Version = 4;
        public const int Crc = 5;
        public const int Dims = 6;
        public const int TensorTable = 7;
        public const int TensorMissing = 8;
        public const int TensorShape = 9;
        public const int TensorBounds = 10;
        public const int Align = 11;
        public const int Overflow = 12;
        public const int ArenaTooSmall = 13;
        public const int Param = 14;
        public const int BufferTooSmall = 15;
        public const int NotLoaded = 16;
        public const int NoSteps = 17;
        public const int Trailing = 18;
        public const int Lean = 19;
        public const int SampleRate = 64;
        public const int FullScale = 65;
        public const int Hop = 66;
        public const int Slot = 80;
        public const int Frontend = 81;
        public const int Length = 82;
        public const int Stream = 83;
    }

    /// <summary>Indices into the array NativeEngine.Info fills (mn_info_index).</summary>
    public static class EngineInfo
    {
        public const int Task = 0;
        public const int Frontend = 1;
        public const int Features = 2;
        public const int Classes = 3;
        public const int DModel = 4;
        public const int DInner = 5;
        public const int DState = 6;
        public const int Layers = 7;
        public const int ModelCrc = 8;
        public const int FileBytes = 9;
        public const int StateBytes = 10;
        public const int ScratchBytes = 11;
        public const int SampleRate = 12;
        public const int FrameSamples = 13;
        public const int Streams = 14;
        public const int Count = 15;
    }

    /// <summary>Indices into the array NativeEngine.Signal fills (mn_signal_index).</summary>
    public static class EngineSignal
    {
        public const int Peak = 0;
        public const int Clipped = 1;
        public const int MeanAbs = 2;
        public const int Samples = 3;
        public const int Count = 4;
    }

    /// <summary>Model-file codes (mn_task, mn_frontend) and limits the app relies on.</summary>
    public static class ModelCodes
    {
        public const int TaskHar = 1;
        public const int TaskKws = 2;
        public const int FrontendImu = 1;
        public const int FrontendLogMel = 2;
        public const int FrontendRaw = 3;
        public const int MaxClasses = 32;
        public const int ClassNameBytes = 16;
        public const int Slots = 2;
        public const int MaxStreams = 8;
        /// <summary>Byte of the model-file header that holds the task.</summary>
        public const int HeaderTaskOffset = 20;
        /// <summary>The IMU front-end clamps acceleration here (milli-g) and angular rate here
        /// (milli-rad/s): values at or beyond them are saturated.</summary>
        public const int ImuAccLimitMg = 16000;
        public const int ImuGyroLimitMradS = 35000;
    }
}
