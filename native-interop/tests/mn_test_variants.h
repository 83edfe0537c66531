// The kernel variants (mn_kernels.h) that every bit-exact test runs: the frozen reference of the
// original kernels, the portable `_ansi` kernels as this host builds them and as a 32-bit core
// builds them (`ansi_hp`, high-product requantization), and the build's selected table MN_KERNELS
// if it is another one. A variant that can be compiled and run here adds its table to
// kVariantTables.
#pragma once

#include <vector>

#include "mn_kernels_ref.h"

namespace mn_test {

inline std::vector<const mn_kernels *> kernel_variants()
{
    const mn_kernels *const kVariantTables[] = {&mn_kernels_ref, &mn_kernels_ansi,
                                                &mn_kernels_ansi_hp, &MN_KERNELS};
    std::vector<const mn_kernels *> out;
    for (const mn_kernels *k : kVariantTables) {
        bool seen = false;
        for (const mn_kernels *o : out) {
            seen = seen || o == k;
        }
        if (!seen) {
            out.push_back(k);
        }
    }
    return out;
}

} // namespace mn_test
