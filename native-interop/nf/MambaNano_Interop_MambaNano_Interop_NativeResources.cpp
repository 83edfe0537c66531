//
// MambaNano.Interop.NativeResources on the device: LoadInPlace hands mn_engine_load_in_place a
// binary resource of a deployed assembly where it lies in the assembly image (memory-mapped flash
// on the ESP32-S3, the loaded image on nanoCLR), stable until the CLR restarts, so the slot needs no
// arena. It finds the resource as nanoFramework.ResourceManager's own GetObjectInternal does (the
// ResourceManager's assembly and resource file, g_CLR_RT_TypeSystem.LocateResource), but keeps the
// pointer where GetObjectInternal copies the bytes into a new managed array.
//
// Hand-written, marshalling included: the metadata processor's stubs do not marshal a class
// argument. As NativeEngine's methods, it returns the engine's status (EngineStatus) and leaves hr
// at S_OK for every engine error; no binary resource of that id is EngineStatus.Arg. A null
// ResourceManager is a NullReferenceException, as a null array is for NativeEngine.
//

#include "MambaNano_Interop.h"

#include <corlib_native.h>
#include <nf_system_resourcemanager.h>
#include <stdint.h>

#include "mn_engine.h"

HRESULT Library_MambaNano_Interop_MambaNano_Interop_NativeResources::
    LoadInPlace___STATIC__I4__I4__SystemResourcesResourceManager__I2__I4(CLR_RT_StackFrame &stack)
{
    typedef Library_nf_system_resourcemanager_System_Resources_ResourceManager ResourceManager;
    NANOCLR_HEADER();
    {
        signed int slot;
        NANOCLR_CHECK_HRESULT(Interop_Marshal_INT32(stack, 0, slot));
        CLR_RT_HeapBlock *resources = stack.Arg1().Dereference();
        FAULT_ON_NULL(resources);
        signed short int id;
        NANOCLR_CHECK_HRESULT(Interop_Marshal_INT16(stack, 2, id));
        signed int streams;
        NANOCLR_CHECK_HRESULT(Interop_Marshal_INT32(stack, 3, streams));

        CLR_RT_HeapBlock *assembly = resources[ResourceManager::FIELD___assembly].Dereference();
        FAULT_ON_NULL(assembly);
        CLR_RT_Assembly_Instance assm;
        NANOCLR_CHECK_HRESULT(
            Library_corlib_native_System_Reflection_Assembly::GetTypeDescriptor(*assembly, assm));
        const CLR_RECORD_RESOURCE *resource = NULL;
        CLR_UINT32 size = 0;
        NANOCLR_CHECK_HRESULT(g_CLR_RT_TypeSystem.LocateResource(
            assm, resources[ResourceManager::FIELD___resourceFileId].NumericByRefConst().s4, id,
            resource, size));
        int32_t status = MN_ERR_ARG;
        if (resource != NULL && resource->kind == CLR_RECORD_RESOURCE::RESOURCE_Binary &&
            size <= (CLR_UINT32)INT32_MAX) {
            status = mn_engine_load_in_place(slot, assm.m_assm->GetResourceData(resource->offset),
                                             (int32_t)size, streams);
        }
        SetResult_INT32(stack, status);
    }
    NANOCLR_NOCLEANUP();
}
