//
// MambaNano.Interop.NativeEngine on the device: the C++ methods the marshalling
// (MambaNano_Interop_MambaNano_Interop_NativeEngine_mshl.cpp) calls, each one call of the
// mn_engine_* function of the same name in native-interop/include/mn_engine.h. This is the
// metadata processor's user-code stub, filled in; it is the only hand-written file here.
//
// Arrays arrive as CLR_RT_TypedArray views of the managed arrays: valid for this call only (the GC
// may move the arrays afterwards), so nothing here or in the engine keeps their pointers. A null
// array never gets here: the marshalling refuses it (NullReferenceException in managed code, as the
// host build's array.Length). Where the C API takes an element count it is the array's length,
// except PushPcm, whose count the caller gives (checked against the length, as the host build does).
// Every method returns the engine's status (EngineStatus); hr is left at S_OK, so a bad argument is
// a status code in managed code, never an exception.
//
// Element types: the nanoCLR views are of signed char / unsigned char / signed short / signed int,
// the C API's of int8_t / uint8_t / int16_t / int32_t. Same sizes, but not always the same C++ type
// (int32_t is long on ESP-IDF 5's Xtensa toolchains), hence Data<>().
//

#include "MambaNano_Interop.h"
#include "MambaNano_Interop_MambaNano_Interop_NativeEngine.h"

#include <stdint.h>

#include "mn_engine.h"

using namespace MambaNano_Interop::MambaNano_Interop;

namespace {

// The array's element count as the C API's int32_t (a managed array never exceeds INT32_MAX).
template <class T> int32_t Length(CLR_RT_TypedArray<T> &array)
{
    unsigned int n = array.GetSize();
    return n > (unsigned int)INT32_MAX ? INT32_MAX : (int32_t)n;
}

// The array's elements as the C API's element type.
template <class C, class T> C *Data(CLR_RT_TypedArray<T> &array)
{
    static_assert(sizeof(C) == sizeof(T), "nanoCLR and C element types differ in size");
    return reinterpret_cast<C *>(array.GetBuffer());
}

} // namespace

signed int NativeEngine::Load(signed int param0, CLR_RT_TypedArray_UINT8 param1, signed int param2,
                              HRESULT &hr)
{
    (void)hr;
    return mn_engine_load(param0, Data<const uint8_t>(param1), Length(param1), param2);
}

signed int NativeEngine::Info(signed int param0, CLR_RT_TypedArray_INT32 param1, HRESULT &hr)
{
    (void)hr;
    return mn_engine_info(param0, Data<int32_t>(param1), Length(param1));
}

signed int NativeEngine::ClassName(signed int param0, signed int param1,
                                   CLR_RT_TypedArray_UINT8 param2, HRESULT &hr)
{
    (void)hr;
    return mn_engine_class_name(param0, param1, Data<uint8_t>(param2), Length(param2));
}

signed int NativeEngine::StatusText(signed int param0, CLR_RT_TypedArray_UINT8 param1, HRESULT &hr)
{
    (void)hr;
    return mn_engine_status_text(param0, Data<uint8_t>(param1), Length(param1));
}

signed int NativeEngine::Start(signed int param0, signed int param1, HRESULT &hr)
{
    (void)hr;
    return mn_engine_start(param0, param1);
}

signed int NativeEngine::Reset(signed int param0, signed int param1, HRESULT &hr)
{
    (void)hr;
    return mn_engine_reset(param0, param1);
}

signed int NativeEngine::PushImuCounts(signed int param0, CLR_RT_TypedArray_INT16 param1,
                                       signed int param2, signed int param3, HRESULT &hr)
{
    (void)hr;
    return mn_engine_push_imu_counts(param0, Data<const int16_t>(param1), Length(param1), param2,
                                     param3);
}

signed int NativeEngine::PushImuPhysical(signed int param0, CLR_RT_TypedArray_INT32 param1,
                                         HRESULT &hr)
{
    (void)hr;
    return mn_engine_push_imu_physical(param0, Data<const int32_t>(param1), Length(param1));
}

signed int NativeEngine::PushPcm(signed int param0, CLR_RT_TypedArray_UINT8 param1,
                                 signed int param2, signed int param3, HRESULT &hr)
{
    (void)hr;
    // param2 = count: the first count bytes of the array (the host build refuses the same way)
    if (param2 < 0 || param2 > Length(param1)) {
        return MN_ERR_ARG;
    }
    return mn_engine_push_pcm(param0, Data<const uint8_t>(param1), param2, param3);
}

signed int NativeEngine::Read(signed int param0, signed int param1, CLR_RT_TypedArray_INT32 param2,
                              HRESULT &hr)
{
    (void)hr;
    return mn_engine_read(param0, param1, Data<int32_t>(param2), Length(param2));
}

signed int NativeEngine::Signal(signed int param0, CLR_RT_TypedArray_INT32 param1, HRESULT &hr)
{
    (void)hr;
    return mn_engine_signal(param0, Data<int32_t>(param1), Length(param1));
}
