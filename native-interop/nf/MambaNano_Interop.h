// In the layout and naming of the nanoFramework metadata processor's interop stubs
// (NFMDP_GENERATE_STUBS) for native-interop/managed/NativeEngine.cs: change it with the C#.
// The POSIX nanoCLR build (bash tools/nanoclr/build.sh) compiles it against the real nanoCLR
// headers; see native-interop/nf/README.md.

#ifndef MAMBANANO_INTEROP_H
#define MAMBANANO_INTEROP_H

#include <nanoCLR_Interop.h>
#include <nanoCLR_Runtime.h>
#include <nanoPackStruct.h>

struct Library_MambaNano_Interop_MambaNano_Interop_NativeEngine
{
    NANOCLR_NATIVE_DECLARE(Load___STATIC__I4__I4__SZARRAY_U1__I4);
    NANOCLR_NATIVE_DECLARE(Info___STATIC__I4__I4__SZARRAY_I4);
    NANOCLR_NATIVE_DECLARE(ClassName___STATIC__I4__I4__I4__SZARRAY_U1);
    NANOCLR_NATIVE_DECLARE(StatusText___STATIC__I4__I4__SZARRAY_U1);
    NANOCLR_NATIVE_DECLARE(Start___STATIC__I4__I4__I4);
    NANOCLR_NATIVE_DECLARE(Reset___STATIC__I4__I4__I4);
    NANOCLR_NATIVE_DECLARE(PushImuCounts___STATIC__I4__I4__SZARRAY_I2__I4__I4);
    NANOCLR_NATIVE_DECLARE(PushImuPhysical___STATIC__I4__I4__SZARRAY_I4);
    NANOCLR_NATIVE_DECLARE(PushPcm___STATIC__I4__I4__SZARRAY_U1__I4__I4);
    NANOCLR_NATIVE_DECLARE(Read___STATIC__I4__I4__I4__SZARRAY_I4);
    NANOCLR_NATIVE_DECLARE(Signal___STATIC__I4__I4__SZARRAY_I4);

    //--//
};

struct Library_MambaNano_Interop_MambaNano_Interop_NativeResources
{
    NANOCLR_NATIVE_DECLARE(LoadInPlace___STATIC__I4__I4__SystemResourcesResourceManager__I2__I4);

    //--//
};

extern const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_MambaNano_Interop;

#endif // MAMBANANO_INTEROP_H
