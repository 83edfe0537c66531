/* The frozen reference kernels (mn_kernels_ref.c), and the portable kernels built as for a 32-bit
 * core (mn_kernels_ansi_hp.c). */
#ifndef MN_KERNELS_REF_H
#define MN_KERNELS_REF_H

#include "mn_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

mn_linear_s8_fn mn_linear_s8_ref;
mn_conv_silu_s8_fn mn_conv_silu_s8_ref;
mn_dt_softplus_fn mn_dt_softplus_ref;
mn_ssm_gate_s8_fn mn_ssm_gate_s8_ref;
mn_ssm_gate_s8_fn mn_ssm_gate_scalar_a_s8_ref;
mn_residual_s8_fn mn_residual_s8_ref;
extern const mn_kernels mn_kernels_ref;
extern const mn_kernels mn_kernels_ansi_hp;

#ifdef __cplusplus
}
#endif
#endif /* MN_KERNELS_REF_H */
