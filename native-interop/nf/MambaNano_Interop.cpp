// The assembly's native method table and checksum, in the layout and naming of the nanoFramework
// metadata processor's interop stubs (NFMDP_GENERATE_STUBS). Both are the real MetadataProcessor's
// (tools/nanoclr/MetadataProcessor): bash tools/nanoclr/build.sh writes them to
// build/nanoclr/app/MambaNano.Interop.native.txt, and tools/python/tests/test_interop.py checks this file
// against it. Change native-interop/managed/NativeEngine.cs, rebuild, copy them here.

#include "MambaNano_Interop.h"

// clang-format off

static const CLR_RT_MethodHandler method_lookup[] =
{
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::Load___STATIC__I4__I4__SZARRAY_U1__I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::Info___STATIC__I4__I4__SZARRAY_I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::ClassName___STATIC__I4__I4__I4__SZARRAY_U1,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::StatusText___STATIC__I4__I4__SZARRAY_U1,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::Start___STATIC__I4__I4__I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::Reset___STATIC__I4__I4__I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::PushImuCounts___STATIC__I4__I4__SZARRAY_I2__I4__I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::PushImuPhysical___STATIC__I4__I4__SZARRAY_I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::PushPcm___STATIC__I4__I4__SZARRAY_U1__I4__I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::Read___STATIC__I4__I4__I4__SZARRAY_I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeEngine::Signal___STATIC__I4__I4__SZARRAY_I4,
    Library_MambaNano_Interop_MambaNano_Interop_NativeResources::LoadInPlace___STATIC__I4__I4__SystemResourcesResourceManager__I2__I4,
};

const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_MambaNano_Interop =
{
    "MambaNano.Interop",
    0x43DFD259,
    method_lookup,
    { 1, 2, 0, 0 }
};

// clang-format on
