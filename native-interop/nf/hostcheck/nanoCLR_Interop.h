// Host syntax check only (tools/tests/test_interop.py runs g++ -fsyntax-only on ../*.cpp with this
// folder first on the include path). NOT nanoFramework's header: the few declarations of
// nf-interpreter's src/CLR/Include/nanoCLR_Interop.h (and nf_errors_exceptions.h) that the
// generated and hand-written interop files use, with the same types, names, constness and access,
// so that a typo, a wrong array type or a wrong member call fails here as it would in the firmware
// build. Written from the nf-interpreter API; nothing here is linked into anything.
#ifndef MN_HOSTCHECK_NANOCLR_INTEROP_H
#define MN_HOSTCHECK_NANOCLR_INTEROP_H

#include <stddef.h>

typedef int HRESULT;
#define SUCCEEDED(Status) ((HRESULT)(Status) >= 0)
#define FAILED(Status)    ((HRESULT)(Status) < 0)
#define S_OK              ((HRESULT)0x00000000L)

#define NANOCLR_LEAVE()  goto nanoCLR_Cleanup
#define NANOCLR_RETURN() return hr
#define NANOCLR_HEADER() HRESULT hr
#define NANOCLR_CHECK_HRESULT(expr)                                                                \
    {                                                                                              \
        if (FAILED(hr = (expr)))                                                                   \
            NANOCLR_LEAVE();                                                                       \
    }
#define NANOCLR_CLEANUP()                                                                          \
    hr = S_OK;                                                                                     \
    nanoCLR_Cleanup:
#define NANOCLR_CLEANUP_END() NANOCLR_RETURN()
#define NANOCLR_NOCLEANUP()                                                                        \
    NANOCLR_CLEANUP();                                                                             \
    NANOCLR_CLEANUP_END()

struct CLR_RT_StackFrame; // opaque to interop code

struct CLR_RECORD_VERSION
{
    unsigned short iMajorVersion;
    unsigned short iMinorVersion;
    unsigned short iBuildNumber;
    unsigned short iRevisionNumber;
};

#define NANOCLR_NATIVE_DECLARE(mtd) static HRESULT mtd(CLR_RT_StackFrame &stack)

typedef HRESULT (*CLR_RT_MethodHandler)(CLR_RT_StackFrame &stack);

struct CLR_RT_NativeAssemblyData
{
    const char *m_szAssemblyName;
    unsigned int m_checkSum;
    const void *m_pNativeMethods;
    CLR_RECORD_VERSION m_Version;
};

HRESULT Interop_Marshal_bool(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, bool &param);
HRESULT Interop_Marshal_UINT8(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, unsigned char &param);
HRESULT Interop_Marshal_UINT16(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, unsigned short int &param);
HRESULT Interop_Marshal_UINT32(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, unsigned int &param);
HRESULT Interop_Marshal_CHAR(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, char &param);
HRESULT Interop_Marshal_INT8(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, signed char &param);
HRESULT Interop_Marshal_INT16(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, signed short int &param);
HRESULT Interop_Marshal_INT32(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, signed int &param);
HRESULT Interop_Marshal_float(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, float &param);
HRESULT Interop_Marshal_double(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, double &param);
HRESULT Interop_Marshal_LPCSTR(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, const char *&param);

template <class T> class CLR_RT_TypedArray
{
    T *m_pData;
    unsigned int m_ElemCount;

    friend HRESULT Interop_Marshal_UINT8_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<unsigned char> &);
    friend HRESULT Interop_Marshal_UINT16_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<unsigned short int> &);
    friend HRESULT Interop_Marshal_UINT32_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<unsigned int> &);
    friend HRESULT Interop_Marshal_CHAR_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<char> &);
    friend HRESULT Interop_Marshal_INT8_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<signed char> &);
    friend HRESULT Interop_Marshal_INT16_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<signed short int> &);
    friend HRESULT Interop_Marshal_INT32_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<signed int> &);
    friend HRESULT Interop_Marshal_float_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<float> &);
    friend HRESULT Interop_Marshal_double_ARRAY(const CLR_RT_StackFrame &, unsigned int, CLR_RT_TypedArray<double> &);

  public:
    CLR_RT_TypedArray()
    {
        m_pData = NULL;
        m_ElemCount = 0;
    }
    T GetValue(unsigned int i)
    {
        return m_pData[i];
    }
    void SetValue(unsigned int i, T &val)
    {
        m_pData[i] = val;
    }
    T &operator[](unsigned int i)
    {
        return m_pData[i];
    }
    unsigned int GetSize()
    {
        return m_ElemCount;
    }
    T *GetBuffer()
    {
        return m_pData;
    }
};

typedef CLR_RT_TypedArray<char> CLR_RT_TypedArray_CHAR;
typedef CLR_RT_TypedArray<unsigned char> CLR_RT_TypedArray_UINT8;
typedef CLR_RT_TypedArray<unsigned short int> CLR_RT_TypedArray_UINT16;
typedef CLR_RT_TypedArray<unsigned int> CLR_RT_TypedArray_UINT32;
typedef CLR_RT_TypedArray<signed char> CLR_RT_TypedArray_INT8;
typedef CLR_RT_TypedArray<signed short int> CLR_RT_TypedArray_INT16;
typedef CLR_RT_TypedArray<signed int> CLR_RT_TypedArray_INT32;
typedef CLR_RT_TypedArray<float> CLR_RT_TypedArray_float;
typedef CLR_RT_TypedArray<double> CLR_RT_TypedArray_double;

HRESULT Interop_Marshal_UINT8_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_UINT8 &typedArray);
HRESULT Interop_Marshal_UINT16_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_UINT16 &typedArray);
HRESULT Interop_Marshal_UINT32_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_UINT32 &typedArray);
HRESULT Interop_Marshal_CHAR_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_CHAR &typedArray);
HRESULT Interop_Marshal_INT8_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_INT8 &typedArray);
HRESULT Interop_Marshal_INT16_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_INT16 &typedArray);
HRESULT Interop_Marshal_INT32_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_INT32 &typedArray);
HRESULT Interop_Marshal_float_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_float &typedArray);
HRESULT Interop_Marshal_double_ARRAY(const CLR_RT_StackFrame &stackFrame, unsigned int paramIndex, CLR_RT_TypedArray_double &typedArray);

void SetResult_bool(CLR_RT_StackFrame &stackFrame, bool value);
void SetResult_CHAR(CLR_RT_StackFrame &stackFrame, char value);
void SetResult_INT8(CLR_RT_StackFrame &stackFrame, signed char value);
void SetResult_INT16(CLR_RT_StackFrame &stackFrame, signed short int value);
void SetResult_INT32(CLR_RT_StackFrame &stackFrame, signed int value);
void SetResult_UINT8(CLR_RT_StackFrame &stackFrame, unsigned char value);
void SetResult_UINT16(CLR_RT_StackFrame &stackFrame, unsigned short int value);
void SetResult_UINT32(CLR_RT_StackFrame &stackFrame, unsigned int value);
void SetResult_float(CLR_RT_StackFrame &stackFrame, float value);
void SetResult_double(CLR_RT_StackFrame &stackFrame, double value);
void SetResult_LPCSTR(CLR_RT_StackFrame &stackFrame, const char *lpszString);

#endif // MN_HOSTCHECK_NANOCLR_INTEROP_H
