/*
 * mn_kernels.h — the layer kernels of mn_step_s8() and the point where a device-optimized variant
 * plugs in (in the manner of esp-nn: one name per kernel, the portable C as `_ansi` beside it).
 *
 * mn_step_s8() (mn_step_s8.c) owns the state and scratch layout and calls every kernel of a step
 * through one table, MN_KERNELS. A variant is a table: a port writes the kernels it can do faster
 * (e.g. the int8 matvec on the ESP32-S3's PIE SIMD) as mn_<kernel>_<variant>, takes the `_ansi`
 * function for the others, and builds with -DMN_KERNELS=mn_kernels_<variant>. The arithmetic each
 * kernel must produce is the one in mamba_nano.h, bit for bit as the original kernels computed it
 * (frozen in native-interop/tests/mn_kernels_ref.c). The tests that any variant must pass, both
 * parametrized over the variants in tests/mn_test_variants.h (add the new table there):
 * test_golden.cpp (2,000 steps of every shipped model and fixture against CRCs of logits and
 * state recorded before any optimization) and test_kernels.cpp (each kernel against the frozen
 * reference on random shapes over the whole parameter range the loader admits). The variants
 * built here: `ref` (the frozen original), `ansi`, and `ansi_hp` (the portable C as a 32-bit core
 * builds it: requantization by the high word of the product, mn_arith.h).
 *
 * Kernel contracts (shapes as in mamba_nano.h; parameters as mn_model_load() admits them; every
 * pointer non-NULL unless stated; outputs do not alias inputs, in-place buffers excepted; no
 * kernel keeps anything between calls):
 *
 *   linear_s8     out[o] = sat8(rq(bias[o] + sum_i w[o, i] * x[i], rq[o])), o < rows, i < cols.
 *                 w (rows, cols) row-major; bias may be NULL (no bias). rows, cols >= 1.
 *   conv_silu_s8  xs[e] = silu_x_lut[sat8(rq(conv_b[e] + sum_k conv_w[e, k] * win[k][e])) + 128]
 *                 over the window win = conv_state (K-1, E) oldest first, then xi; then shifts xi
 *                 into conv_state.
 *   dt_softplus   delta[e] = softplus_lut[sat8(rq(dt_proj_b[e] + sum_j dt_proj_w[e, j] * dt_low[j],
 *                 dt_proj_rq[e])) + 128]: dt_proj fused with its softplus table.
 *   ssm_gate_s8   the selective scan over ssm_state (E, N) in place and the gate into g (E); bc is
 *                 B (N) then C (N), z the gate input (E).
 *   ssm_gate_scalar_a_s8  the same for a layer with scalar-A heads (ly->a_heads > 0, a2 (H)):
 *                 one decay per channel for its N states; bit for bit the ssm_gate_s8 result for
 *                 an (E, N) a2 whose row e repeats a2[e / (E / H)].
 *   residual_s8   r[i] = sat8(o[i] + rq(r[i], res_rq)) in place, i < D (o: out_proj's output).
 */
#ifndef MN_KERNELS_H
#define MN_KERNELS_H

#include "mamba_nano.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void mn_linear_s8_fn(int8_t *out, const int8_t *w, const int32_t *bias, const mn_rq *rq,
                             const int8_t *x, int rows, int cols);
typedef void mn_conv_silu_s8_fn(int8_t *xs, int8_t *conv_state, const int8_t *xi,
                                const mn_layer *ly, int d_inner, int d_conv);
typedef void mn_dt_softplus_fn(uint16_t *delta, const int8_t *dt_low, const mn_layer *ly,
                               int d_inner, int dt_rank);
typedef void mn_ssm_gate_s8_fn(int8_t *g, int16_t *ssm_state, const mn_layer *ly,
                               const uint16_t *exp2_lut, const uint16_t *delta, const int8_t *xs,
                               const int8_t *bc, const int8_t *z, int d_inner, int d_state);
typedef void mn_residual_s8_fn(int8_t *r, const int8_t *o, const mn_rq *res_rq, int d_model);

/* One variant: a name for reports and one function per kernel. */
typedef struct {
    const char *name;
    mn_linear_s8_fn *linear_s8;
    mn_conv_silu_s8_fn *conv_silu_s8;
    mn_dt_softplus_fn *dt_softplus;
    mn_ssm_gate_s8_fn *ssm_gate_s8;
    mn_ssm_gate_s8_fn *ssm_gate_scalar_a_s8;
    mn_residual_s8_fn *residual_s8;
} mn_kernels;

/* The portable C99 kernels (mn_kernels_ansi.c): every target, and the fallback of every variant. */
mn_linear_s8_fn mn_linear_s8_ansi;
mn_conv_silu_s8_fn mn_conv_silu_s8_ansi;
mn_dt_softplus_fn mn_dt_softplus_ansi;
mn_ssm_gate_s8_fn mn_ssm_gate_s8_ansi;
mn_ssm_gate_s8_fn mn_ssm_gate_scalar_a_s8_ansi;
mn_residual_s8_fn mn_residual_s8_ansi;
extern const mn_kernels mn_kernels_ansi;

/* The table mn_step_s8() uses: the one selection point. */
#ifndef MN_KERNELS
#define MN_KERNELS mn_kernels_ansi
#endif
extern const mn_kernels MN_KERNELS;

/* The public names: the selected variant's kernels. */
#define mn_linear_s8 (MN_KERNELS.linear_s8)
#define mn_conv_silu_s8 (MN_KERNELS.conv_silu_s8)
#define mn_dt_softplus (MN_KERNELS.dt_softplus)
#define mn_ssm_gate_s8 (MN_KERNELS.ssm_gate_s8)
#define mn_ssm_gate_scalar_a_s8 (MN_KERNELS.ssm_gate_scalar_a_s8)
#define mn_residual_s8 (MN_KERNELS.residual_s8)

/* mn_step_s8() with an explicit table (tests run every variant through it). Same contract and
 * status codes as mn_step_s8(); kernels NULL is MN_ERR_ARG. */
mn_status mn_step_s8_with(const mn_kernels *kernels, const mn_model *model, void *state,
                          size_t state_size, void *scratch, size_t scratch_size,
                          const int8_t *features);

#ifdef __cplusplus
}
#endif
#endif /* MN_KERNELS_H */
