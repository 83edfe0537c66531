// The interop surface of MambaNano on nanoFramework: each method is an InternalCall implemented
// in the firmware (native-interop/nf/, generated layout) by a call to the mn_engine_* function of
// the same name in native-interop/include/mn_engine.h. Arrays are read or written during the call
// only (the GC may move them afterwards); array lengths travel with the arrays.
// The host build compiles host/NativeEngine.cs instead: the same members, by P/Invoke.
// Keep the two files, the native method table and mn_engine.h in step: tools/python/tests/test_interop.py
// checks all four.
using System.Runtime.CompilerServices;

namespace MambaNano.Interop
{
    /// <summary>Native entry points of the engine (see mn_engine.h). Every method returns a status
    /// (0 = ok, see <see cref="EngineStatus"/>) unless its summary says otherwise.</summary>
    public static class NativeEngine
    {
        /// <summary>mn_engine_load: validate <paramref name="file"/> and load it into
        /// <paramref name="slot"/> with <paramref name="streams"/> INT8 states.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Load(int slot, byte[] file, int streams);

        /// <summary>mn_engine_info: <paramref name="info"/> (EngineInfo.Count) out.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Info(int slot, int[] info);

        /// <summary>mn_engine_class_name: NUL-padded ASCII into <paramref name="name"/> (16 bytes).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int ClassName(int slot, int classIndex, byte[] name);

        /// <summary>mn_engine_status_text: NUL-terminated ASCII; returns the bytes written.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int StatusText(int status, byte[] text);

        /// <summary>mn_engine_start: reset the front-end for input at <paramref name="sampleRateHz"/>
        /// and every stream.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Start(int slot, int sampleRateHz);

        /// <summary>mn_engine_reset: reset one stream's INT8 state.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Reset(int slot, int stream);

        /// <summary>mn_engine_push_imu_counts: <paramref name="counts"/> (6) accel x y z, gyro x y z.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int PushImuCounts(int slot, short[] counts, int accelFullScaleG, int gyroFullScaleDps);

        /// <summary>mn_engine_push_imu_physical: <paramref name="values"/> (6) milli-g, milli-rad/s.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int PushImuPhysical(int slot, int[] values);

        /// <summary>mn_engine_push_pcm: the first <paramref name="count"/> bytes of
        /// <paramref name="pcm"/>, little-endian samples of <paramref name="bytesPerSample"/> (2 or 4).</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int PushPcm(int slot, byte[] pcm, int count, int bytesPerSample);

        /// <summary>mn_engine_read: Q15 probabilities (C) out; returns the argmax class, or a
        /// status negated.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Read(int slot, int stream, int[] probsQ15);

        /// <summary>mn_engine_signal: EngineSignal.Count values of the last input pushed.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int Signal(int slot, int[] signal);
    }
}
