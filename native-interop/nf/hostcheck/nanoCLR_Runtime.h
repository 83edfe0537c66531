// Host syntax check only: stands in for nf-interpreter's nanoCLR_Runtime.h, of which the interop files use
// nothing directly (see nanoCLR_Interop.h here).
#ifndef MN_HOSTCHECK_NANOCLR_RUNTIME_H
#define MN_HOSTCHECK_NANOCLR_RUNTIME_H
#endif
