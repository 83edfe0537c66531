// Host syntax check only: stands in for nf-interpreter's nanoPackStruct.h, of which the interop files use
// nothing directly (see nanoCLR_Interop.h here).
#ifndef MN_HOSTCHECK_NANOPACKSTRUCT_H
#define MN_HOSTCHECK_NANOPACKSTRUCT_H
#endif
