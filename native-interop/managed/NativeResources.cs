// Device-only interop of MambaNano.Interop: a model read in place from a binary resource of a
// deployed assembly (mn_engine_load_in_place), so the firmware reserves no arena for it. The
// resource's bytes live in the assembly image (memory-mapped flash on the ESP32-S3, the loaded
// image on nanoCLR), which stays put until the CLR restarts; a managed byte[] would not (the GC
// moves it), which is why NativeEngine.Load copies. The host build has no resources of this kind
// and does not compile this file.
using System.Resources;
using System.Runtime.CompilerServices;

namespace MambaNano.Interop
{
    /// <summary>Native entry points that read the deployed assembly's resources.</summary>
    public static class NativeResources
    {
        /// <summary>mn_engine_load_in_place on the binary resource <paramref name="id"/> of
        /// <paramref name="resources"/> (a generated Resources class's ResourceManager) with
        /// <paramref name="streams"/> INT8 states (0: check only). EngineStatus.Arg if there is no
        /// binary resource of that id.</summary>
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int LoadInPlace(int slot, ResourceManager resources, short id, int streams);
    }
}
