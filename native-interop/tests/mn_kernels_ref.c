/*
 * mn_kernels_ref.c — the test oracle: the layer kernels of mn_step_s8.c exactly as they were at
 * commit 2f689ae, before any optimization (the golden CRCs of test_golden.cpp were recorded with
 * them), behind the mn_kernels.h interface. Frozen: never optimize or "fix" this file; it is what
 * every variant is compared with, kernel by kernel, in test_kernels.cpp. Test-only (not in src/,
 * so not in the firmware).
 */
#include <string.h>

#include "mn_kernels_ref.h"

/* round_half_up(acc * mult / 2^shift) in int64; shift in [0, 62] (loader-checked), so neither the
 * product (< 2^62) nor the rounding term overflows. */
static inline int64_t mn_rq_wide(int32_t acc, const mn_rq *rq)
{
    return ((int64_t)acc * rq->mult + (((int64_t)1 << rq->shift) >> 1)) >> rq->shift;
}

/* Requantize to int32, saturating. */
static inline int32_t mn_rq_apply(int32_t acc, const mn_rq *rq)
{
    const int64_t p = mn_rq_wide(acc, rq);
    return (int32_t)(p > INT32_MAX ? INT32_MAX : (p < INT32_MIN ? INT32_MIN : p));
}

/* Requantize to int8, saturating (== sat8(mn_rq_apply(acc, rq)) with one clamp). */
static inline int8_t mn_rq_s8(int32_t acc, const mn_rq *rq)
{
    const int64_t p = mn_rq_wide(acc, rq);
    return (int8_t)(p > 127 ? 127 : (p < -128 ? -128 : p));
}

/* sat8(a + b) without int32 overflow: either term may be a saturated requantization. */
static inline int8_t mn_sat8_sum(int32_t a, int32_t b)
{
    const int64_t v = (int64_t)a + b;
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
}

static inline int16_t mn_sat16(int32_t v)
{
    return (int16_t)(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

/* Dot product of one int8 row with x, 2 columns per iteration. */
static inline int32_t mn_dot_s8(const int8_t *w, const int8_t *x, int cols)
{
    int32_t acc = 0;
    int i = 0;
    for (; i + 1 < cols; i += 2) {
        acc += w[i] * x[i] + w[i + 1] * x[i + 1];
    }
    if (i < cols) {
        acc += w[i] * x[i];
    }
    return acc;
}

/*
 * out[o] = sat8(rq(bias[o] + sum_i w[o, i] * x[i], rq[o])) for o in [0, rows).
 * w (rows, cols) row-major; bias may be NULL. A 4 x 4 tile: four rows share each load of x and
 * four columns share the loop overhead (a scalar core has no SIMD; this keeps it near 3.4
 * instructions per MAC).
 */
void mn_linear_s8_ref(int8_t *out, const int8_t *w, const int32_t *bias, const mn_rq *rq,
                      const int8_t *x, int rows, int cols)
{
    int o = 0;
    for (; o + 3 < rows; o += 4) {
        const int8_t *w0 = w + (size_t)o * cols;
        const int8_t *w1 = w0 + cols;
        const int8_t *w2 = w1 + cols;
        const int8_t *w3 = w2 + cols;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int i = 0;
        for (; i + 3 < cols; i += 4) {
            const int32_t x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
            a0 += w0[i] * x0 + w0[i + 1] * x1 + w0[i + 2] * x2 + w0[i + 3] * x3;
            a1 += w1[i] * x0 + w1[i + 1] * x1 + w1[i + 2] * x2 + w1[i + 3] * x3;
            a2 += w2[i] * x0 + w2[i + 1] * x1 + w2[i + 2] * x2 + w2[i + 3] * x3;
            a3 += w3[i] * x0 + w3[i + 1] * x1 + w3[i + 2] * x2 + w3[i + 3] * x3;
        }
        for (; i < cols; i++) {
            const int32_t xi = x[i];
            a0 += w0[i] * xi;
            a1 += w1[i] * xi;
            a2 += w2[i] * xi;
            a3 += w3[i] * xi;
        }
        if (bias != NULL) {
            a0 += bias[o];
            a1 += bias[o + 1];
            a2 += bias[o + 2];
            a3 += bias[o + 3];
        }
        out[o] = mn_rq_s8(a0, &rq[o]);
        out[o + 1] = mn_rq_s8(a1, &rq[o + 1]);
        out[o + 2] = mn_rq_s8(a2, &rq[o + 2]);
        out[o + 3] = mn_rq_s8(a3, &rq[o + 3]);
    }
    for (; o < rows; o++) {
        int32_t acc = mn_dot_s8(w + (size_t)o * cols, x, cols);
        if (bias != NULL) {
            acc += bias[o];
        }
        out[o] = mn_rq_s8(acc, &rq[o]);
    }
}

/*
 * Causal depthwise conv + SiLU for one layer, updating conv_state.
 * conv_state (K-1, E) oldest first; xi (E) is the newest frame; xs (E) out.
 */
void mn_conv_silu_s8_ref(int8_t *xs, int8_t *conv_state, const int8_t *xi, const mn_layer *ly,
                         int d_inner, int d_conv)
{
    for (int e = 0; e < d_inner; e++) {
        const int8_t *w = ly->conv_w + (size_t)e * d_conv; /* (K) */
        int32_t acc = ly->conv_b[e] + w[d_conv - 1] * xi[e];
        for (int k = 0; k < d_conv - 1; k++) {
            acc += w[k] * conv_state[(size_t)k * d_inner + e];
        }
        xs[e] = ly->silu_x_lut[mn_rq_s8(acc, &ly->conv_rq[e]) + 128];
    }
    if (d_conv > 1) {
        memmove(conv_state, conv_state + d_inner, (size_t)(d_conv - 2) * d_inner);
        memcpy(conv_state + (size_t)(d_conv - 2) * d_inner, xi, (size_t)d_inner);
    }
}

/* dt_proj into an int8 vector, then softplus: the two passes of the original step. */
void mn_dt_softplus_ref(uint16_t *delta, const int8_t *dt_low, const mn_layer *ly, int d_inner,
                        int dt_rank)
{
    int8_t dt[MN_MAX_D_INNER];
    mn_linear_s8_ref(dt, ly->dt_proj_w, ly->dt_proj_b, ly->dt_proj_rq, dt_low, d_inner, dt_rank);
    for (int e = 0; e < d_inner; e++) {
        delta[e] = ly->softplus_lut[dt[e] + 128];
    }
}

/*
 * Selective state update and gate of channel e (see mamba_nano.h for the arithmetic): its states
 * h (N), A2 of state n at a2[n * a2_stride] (stride 1: a row of the (E, N) table; 0: one value
 * for every state, scalar-A heads), delta, xs, z of the channel, bc = B (N) then C (N).
 */
static int8_t mn_scan_channel_ref(int16_t *h, const uint16_t *a2, size_t a2_stride, int e,
                                  const mn_layer *ly, const uint16_t *exp2_lut, uint32_t d,
                                  int8_t xs, const int8_t *bc, int8_t z, int d_state)
{
    const int8_t *b = bc;           /* (N) */
    const int8_t *c = bc + d_state; /* (N) */
    const uint32_t exp_shift = (uint32_t)ly->exp_shift;
    /* p = round_half_up(delta * a2 / 2^exp_shift): delta < 2^16 and a2 < 2^15 (loader-checked)
     * leave room for the rounding term in uint32. Truncating would bias slow channels toward
     * no decay. */
    const uint32_t p_round = (1u << exp_shift) >> 1;
    const uint32_t p_max = 15u << MN_EXP2_FRAC_BITS;
    int32_t u = mn_rq_apply((int32_t)d * xs, &ly->dbx_rq[e]);
    u = u > (1 << 23) ? (1 << 23) : (u < -(1 << 23) ? -(1 << 23) : u);
    int32_t yacc = 0;
    for (int n = 0; n < d_state; n++) {
        uint32_t p = (d * a2[(size_t)n * a2_stride] + p_round) >> exp_shift;
        p = p < p_max ? p : p_max;
        const int32_t da = exp2_lut[p & (MN_EXP2_LUT_SIZE - 1)] >> (p >> MN_EXP2_FRAC_BITS);
        const int16_t hn = mn_sat16((da * h[n] + u * b[n] + (1 << 14)) >> 15);
        h[n] = hn;
        yacc += c[n] * hn;
    }
    const int32_t y = mn_sat8_sum(mn_rq_apply(yacc, &ly->y_rq[e]), mn_rq_apply(xs, &ly->d_rq[e]));
    const int32_t zs = ly->silu_z_lut[z + 128];
    return mn_rq_s8(y * zs, &ly->gate_rq);
}

/*
 * Selective state update and gate for one layer.
 * ssm_state (E, N); delta (E); xs (E); bc = B (N) then C (N); z (E); g (E) out.
 */
void mn_ssm_gate_s8_ref(int8_t *g, int16_t *ssm_state, const mn_layer *ly, const uint16_t *exp2_lut,
                        const uint16_t *delta, const int8_t *xs, const int8_t *bc, const int8_t *z,
                        int d_inner, int d_state)
{
    for (int e = 0; e < d_inner; e++) {
        g[e] = mn_scan_channel_ref(ssm_state + (size_t)e * d_state, ly->a2 + (size_t)e * d_state, 1,
                                   e, ly, exp2_lut, delta[e], xs[e], bc, z[e], d_state);
    }
}

/* Scalar-A heads (format 1.2), added after the freeze as their definition: the original scan with
 * A[e, n] = A[head(e)] for every n, i.e. channel e reads a2[e / (E / H)] for each of its states. */
void mn_ssm_gate_scalar_a_s8_ref(int8_t *g, int16_t *ssm_state, const mn_layer *ly,
                                 const uint16_t *exp2_lut, const uint16_t *delta, const int8_t *xs,
                                 const int8_t *bc, const int8_t *z, int d_inner, int d_state)
{
    const int head_dim = d_inner / ly->a_heads;
    for (int e = 0; e < d_inner; e++) {
        g[e] = mn_scan_channel_ref(ssm_state + (size_t)e * d_state, ly->a2 + e / head_dim, 0, e, ly,
                                   exp2_lut, delta[e], xs[e], bc, z[e], d_state);
    }
}

/* The residual add of the original step. */
void mn_residual_s8_ref(int8_t *r, const int8_t *o, const mn_rq *res_rq, int d_model)
{
    for (int i = 0; i < d_model; i++) {
        r[i] = mn_sat8_sum(o[i], mn_rq_apply(r[i], res_rq));
    }
}

const mn_kernels mn_kernels_ref = {
    "ref",
    mn_linear_s8_ref,
    mn_conv_silu_s8_ref,
    mn_dt_softplus_ref,
    mn_ssm_gate_s8_ref,
    mn_ssm_gate_scalar_a_s8_ref,
    mn_residual_s8_ref,
};
