// The host build's NativeEngine: the members of ../NativeEngine.cs (the nanoFramework
// InternalCalls) by P/Invoke of the same mn_engine_* functions in the shared library
// (libmambanano.so / mambanano.dll, built by tools/scripts/build_native.sh). Lengths that the device's
// marshalling takes from the arrays are passed explicitly here.
using System.Runtime.InteropServices;

namespace MambaNano.Interop
{
    /// <summary>Native entry points of the engine (see mn_engine.h), host build.</summary>
    public static class NativeEngine
    {
        private const string Library = "mambanano";

        public static int Load(int slot, byte[] file, int streams) => mn_engine_load(slot, file, file.Length, streams);

        public static int Info(int slot, int[] info) => mn_engine_info(slot, info, info.Length);

        public static int ClassName(int slot, int classIndex, byte[] name) =>
            mn_engine_class_name(slot, classIndex, name, name.Length);

        public static int StatusText(int status, byte[] text) => mn_engine_status_text(status, text, text.Length);

        public static int Start(int slot, int sampleRateHz) => mn_engine_start(slot, sampleRateHz);

        public static int Reset(int slot, int stream) => mn_engine_reset(slot, stream);

        public static int PushImuCounts(int slot, short[] counts, int accelFullScaleG, int gyroFullScaleDps) =>
            mn_engine_push_imu_counts(slot, counts, counts.Length, accelFullScaleG, gyroFullScaleDps);

        public static int PushImuPhysical(int slot, int[] values) =>
            mn_engine_push_imu_physical(slot, values, values.Length);

        public static int PushPcm(int slot, byte[] pcm, int count, int bytesPerSample) =>
            count < 0 || count > pcm.Length
                ? EngineStatus.Arg
                : mn_engine_push_pcm(slot, pcm, count, bytesPerSample);

        public static int Read(int slot, int stream, int[] probsQ15) =>
            mn_engine_read(slot, stream, probsQ15, probsQ15.Length);

        public static int Signal(int slot, int[] signal) => mn_engine_signal(slot, signal, signal.Length);

        [DllImport(Library)]
        private static extern int mn_engine_load(int slot, byte[] file, int fileSize, int streams);
        [DllImport(Library)]
        private static extern int mn_engine_info(int slot, [Out] int[] info, int n);
        [DllImport(Library)]
        private static extern int mn_engine_class_name(int slot, int c, [Out] byte[] name, int cap);
        [DllImport(Library)]
        private static extern int mn_engine_status_text(int status, [Out] byte[] text, int cap);
        [DllImport(Library)]
        private static extern int mn_engine_start(int slot, int sampleRateHz);
        [DllImport(Library)]
        private static extern int mn_engine_reset(int slot, int stream);
        [DllImport(Library)]
        private static extern int mn_engine_push_imu_counts(
            int slot, short[] counts, int n, int accelFullScaleG, int gyroFullScaleDps);
        [DllImport(Library)]
        private static extern int mn_engine_push_imu_physical(int slot, int[] values, int n);
        [DllImport(Library)]
        private static extern int mn_engine_push_pcm(int slot, byte[] pcm, int nBytes, int bytesPerSample);
        [DllImport(Library)]
        private static extern int mn_engine_read(int slot, int stream, [Out] int[] probsQ15, int n);
        [DllImport(Library)]
        private static extern int mn_engine_signal(int slot, [Out] int[] signal, int n);
    }
}
