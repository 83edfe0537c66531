// In the layout and naming of the nanoFramework metadata processor's interop stubs
// (NFMDP_GENERATE_STUBS) for native-interop/managed/NativeEngine.cs: change it with the C#.
// The POSIX nanoCLR build (bash tools/nanoclr/build.sh) compiles it against the real nanoCLR
// headers; see native-interop/nf/README.md.

#ifndef MAMBANANO_INTEROP_MAMBANANO_INTEROP_MAMBANANO_INTEROP_NATIVEENGINE_H
#define MAMBANANO_INTEROP_MAMBANANO_INTEROP_MAMBANANO_INTEROP_NATIVEENGINE_H

namespace MambaNano_Interop
{
    namespace MambaNano_Interop
    {
        struct NativeEngine
        {
            static signed int Load( signed int param0, CLR_RT_TypedArray_UINT8 param1, signed int param2, HRESULT &hr );
            static signed int Info( signed int param0, CLR_RT_TypedArray_INT32 param1, HRESULT &hr );
            static signed int ClassName( signed int param0, signed int param1, CLR_RT_TypedArray_UINT8 param2, HRESULT &hr );
            static signed int StatusText( signed int param0, CLR_RT_TypedArray_UINT8 param1, HRESULT &hr );
            static signed int Start( signed int param0, signed int param1, HRESULT &hr );
            static signed int Reset( signed int param0, signed int param1, HRESULT &hr );
            static signed int PushImuCounts( signed int param0, CLR_RT_TypedArray_INT16 param1, signed int param2, signed int param3, HRESULT &hr );
            static signed int PushImuPhysical( signed int param0, CLR_RT_TypedArray_INT32 param1, HRESULT &hr );
            static signed int PushPcm( signed int param0, CLR_RT_TypedArray_UINT8 param1, signed int param2, signed int param3, HRESULT &hr );
            static signed int Read( signed int param0, signed int param1, CLR_RT_TypedArray_INT32 param2, HRESULT &hr );
            static signed int Signal( signed int param0, CLR_RT_TypedArray_INT32 param1, HRESULT &hr );
        };
    }
}

#endif // MAMBANANO_INTEROP_MAMBANANO_INTEROP_MAMBANANO_INTEROP_NATIVEENGINE_H
