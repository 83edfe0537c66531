/*
 * mn_kernels_ansi_hp.c — the portable kernels as a 32-bit core builds them: mn_kernels_ansi.c
 * compiled again with the high-product requantization (MN_RQ_HIGH_PRODUCT, mn_arith.h) under the
 * names mn_<kernel>_ansi_hp, so the host tests run the device's arithmetic path as one more
 * variant (test_golden, test_kernels).
 */
#define MN_RQ_HIGH_PRODUCT 1
#define MN_ANSI(name) name##_ansi_hp
#define MN_ANSI_NAME "ansi_hp"
#include "../src/mn_kernels_ansi.c"
