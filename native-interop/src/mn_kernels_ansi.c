/*
 * mn_kernels_ansi.c — the portable C99 layer kernels of the INT8 step (contracts in mn_kernels.h,
 * arithmetic in mamba_nano.h). Every target compiles them; a device variant replaces some of them
 * and must match them bit for bit. Integer only: no float, no malloc, no globals but the const
 * table. Requantization (mn_arith.h) uses the 32-bit high product on 32-bit cores.
 */
#include <stddef.h>
#include <string.h>

#include "mn_arith.h"
#include "mn_kernels.h"

/* The names: mn_<kernel>_ansi and mn_kernels_ansi. The tests compile this file a second time
 * under other names with the requantization of 32-bit cores (tests/mn_kernels_ansi_hp.c). */
#ifndef MN_ANSI
#define MN_ANSI(name) name##_ansi
#define MN_ANSI_NAME "ansi"
#endif

/*
 * out[o] = sat8(rq(bias[o] + sum_i w[o, i] * x[i], rq[o])) for o in [0, rows).
 * w (rows, cols) row-major; bias may be NULL. A 4 x 4 tile: four rows share each load of x and
 * four columns share the loop overhead; one induction variable (a negative index from the row
 * ends) addresses all five arrays. Without SIMD a MAC is a load, a multiply and an add; the tile
 * adds about 0.4 instructions per MAC to that (3.4 in the scalar x86 benchmark).
 */
void MN_ANSI(mn_linear_s8)(int8_t *out, const int8_t *w, const int32_t *bias, const mn_rq *rq,
                           const int8_t *x, int rows, int cols)
{
    const ptrdiff_t c = cols, c4 = cols & ~3;
    const int8_t *xe = x + c4;
    int o = 0;
    for (; o + 3 < rows; o += 4) {
        const int8_t *w0 = w + (size_t)o * (size_t)cols + c4, *w1 = w0 + c, *w2 = w1 + c,
                     *w3 = w2 + c;
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (ptrdiff_t i = -c4; i != 0; i += 4) {
            int32_t xk = xe[i];
            a0 += w0[i] * xk;
            a1 += w1[i] * xk;
            a2 += w2[i] * xk;
            a3 += w3[i] * xk;
            xk = xe[i + 1];
            a0 += w0[i + 1] * xk;
            a1 += w1[i + 1] * xk;
            a2 += w2[i + 1] * xk;
            a3 += w3[i + 1] * xk;
            xk = xe[i + 2];
            a0 += w0[i + 2] * xk;
            a1 += w1[i + 2] * xk;
            a2 += w2[i + 2] * xk;
            a3 += w3[i + 2] * xk;
            xk = xe[i + 3];
            a0 += w0[i + 3] * xk;
            a1 += w1[i + 3] * xk;
            a2 += w2[i + 3] * xk;
            a3 += w3[i + 3] * xk;
        }
        for (ptrdiff_t i = 0; i < c - c4; i++) { /* the last cols % 4 columns */
            const int32_t xk = xe[i];
            a0 += w0[i] * xk;
            a1 += w1[i] * xk;
            a2 += w2[i] * xk;
            a3 += w3[i] * xk;
        }
        if (bias != NULL) {
            a0 += bias[o];
            a1 += bias[o + 1];
            a2 += bias[o + 2];
            a3 += bias[o + 3];
        }
        out[o] = mn_rq8(a0, &rq[o]);
        out[o + 1] = mn_rq8(a1, &rq[o + 1]);
        out[o + 2] = mn_rq8(a2, &rq[o + 2]);
        out[o + 3] = mn_rq8(a3, &rq[o + 3]);
    }
    for (; o < rows; o++) { /* the last rows % 4 rows */
        int32_t acc = mn_dot_s8(w + (size_t)o * (size_t)cols, x, cols);
        if (bias != NULL) {
            acc += bias[o];
        }
        out[o] = mn_rq8(acc, &rq[o]);
    }
}

/*
 * Causal depthwise conv + SiLU for one layer, updating conv_state.
 * conv_state (K-1, E) oldest first; xi (E) is the newest frame; xs (E) out. d_conv 4 (Mamba's)
 * has its own loop with the taps unrolled.
 */
void MN_ANSI(mn_conv_silu_s8)(int8_t *xs, int8_t *conv_state, const int8_t *xi, const mn_layer *ly,
                              int d_inner, int d_conv)
{
    const int8_t *w = ly->conv_w; /* (E, K) */
    const int32_t *bias = ly->conv_b;
    const mn_rq *rq = ly->conv_rq;
    const int8_t *silu = ly->silu_x_lut + 128;
    const size_t E = (size_t)d_inner;
    if (d_conv == 4) {
        const int8_t *s0 = conv_state, *s1 = s0 + E, *s2 = s1 + E;
        for (size_t e = 0; e < E; e++, w += 4) {
            const int32_t acc = bias[e] + w[0] * s0[e] + w[1] * s1[e] + w[2] * s2[e] + w[3] * xi[e];
            xs[e] = silu[mn_rq8(acc, &rq[e])];
        }
    } else {
        const size_t K = (size_t)d_conv;
        for (size_t e = 0; e < E; e++, w += K) {
            int32_t acc = bias[e] + w[K - 1] * xi[e];
            for (size_t k = 0; k + 1 < K; k++) {
                acc += w[k] * conv_state[k * E + e];
            }
            xs[e] = silu[mn_rq8(acc, &rq[e])];
        }
    }
    if (d_conv > 1) {
        memmove(conv_state, conv_state + E, (size_t)(d_conv - 2) * E);
        memcpy(conv_state + (size_t)(d_conv - 2) * E, xi, E);
    }
}

/* dt_proj fused with softplus: delta[e] = softplus_lut[sat8(rq(b[e] + w[e, :] . dt_low)) + 128].
 * dt_rank is small (Mamba's ceil(d_model / 16)): up to 4 columns are held in registers. */
void MN_ANSI(mn_dt_softplus)(uint16_t *delta, const int8_t *dt_low, const mn_layer *ly, int d_inner,
                             int dt_rank)
{
    const int8_t *w = ly->dt_proj_w; /* (E, R) */
    const int32_t *bias = ly->dt_proj_b;
    const mn_rq *rq = ly->dt_proj_rq;
    const uint16_t *lut = ly->softplus_lut + 128;
    const size_t E = (size_t)d_inner, R = (size_t)dt_rank;
    const int32_t x0 = dt_low[0];
    const int32_t x1 = R > 1 ? dt_low[1] : 0, x2 = R > 2 ? dt_low[2] : 0,
                  x3 = R > 3 ? dt_low[3] : 0;
    size_t e = 0;
    switch (R) {
    case 1:
        for (; e < E; e++, w += 1) {
            delta[e] = lut[mn_rq8(bias[e] + w[0] * x0, &rq[e])];
        }
        break;
    case 2:
        for (; e < E; e++, w += 2) {
            delta[e] = lut[mn_rq8(bias[e] + w[0] * x0 + w[1] * x1, &rq[e])];
        }
        break;
    case 3:
        for (; e < E; e++, w += 3) {
            delta[e] = lut[mn_rq8(bias[e] + w[0] * x0 + w[1] * x1 + w[2] * x2, &rq[e])];
        }
        break;
    case 4:
        for (; e < E; e++, w += 4) {
            delta[e] = lut[mn_rq8(bias[e] + w[0] * x0 + w[1] * x1 + w[2] * x2 + w[3] * x3, &rq[e])];
        }
        break;
    default:
        for (; e < E; e++, w += R) {
            delta[e] = lut[mn_rq8(bias[e] + mn_dot_s8(w, dt_low, (int)R), &rq[e])];
        }
        break;
    }
}

/*
 * The selective scan (mamba_nano.h): per channel e and state n,
 *   p  = min(round_half_up(delta * a2 / 2^exp_shift), 15 * 2^10)
 *   dA = exp2_lut[p & 1023] >> (p >> 10)                            (2^-p in Q15)
 *   h  = sat16((dA * h + u * B + 2^14) >> 15),   yacc += C * h
 * Most channels take a fast loop: their delta keeps p within 15 * 2^10 for every a2 < 2^15 (the
 * clamp is a no-op; 96-99 % of channel-steps on the shipped models), and with exp_shift <= 16,
 * p is computed at a fixed shift: scaling delta and the rounding term by 2^(16 - exp_shift),
 * p = (dq * a2 + 2^15) >> 16 exactly (for exp_shift 0 the 2^15 is below the shift), and
 * dq * a2 + 2^15 < 15361 * 2^16 cannot overflow. Other channels take the general loop.
 * The int16 saturation is a branch on a rare event; the common path is straight-line, two states
 * per iteration, one induction variable.
 */
#define MN_P_MAX (15u << MN_EXP2_FRAC_BITS)

/* One state element n (negative: rows are addressed from their ends): updates h[n] and adds
 * C[n] * h[n] to yacc. FAST: the fixed-shift p without the clamp (see above); otherwise the
 * general p and its clamp (at p = MN_P_MAX the table gives exp2_lut[0] >> 15). */
#define MN_SSM_STATE(N_, FAST)                                                            \
    do {                                                                                  \
        int32_t da_, v_;                                                                  \
        if (FAST) {                                                                       \
            const uint32_t p_ = (dq * a2[N_] + 0x8000u) >> 16;                            \
            da_ = exp2_lut[p_ & (MN_EXP2_LUT_SIZE - 1)] >> (p_ >> MN_EXP2_FRAC_BITS);     \
        } else {                                                                          \
            const uint32_t p_ = (d * a2[N_] + p_round) >> exp_shift;                      \
            if (p_ >= MN_P_MAX) {                                                         \
                da_ = exp2_lut[0] >> 15;                                                  \
            } else {                                                                      \
                da_ = exp2_lut[p_ & (MN_EXP2_LUT_SIZE - 1)] >> (p_ >> MN_EXP2_FRAC_BITS); \
            }                                                                             \
        }                                                                                 \
        v_ = (da_ * h[N_] + u * b[N_] + (1 << 14)) >> 15;                                 \
        if ((uint32_t)(v_ + 32768) > 65535u) {                                            \
            v_ = v_ < 0 ? -32768 : 32767;                                                 \
        }                                                                                 \
        h[N_] = (int16_t)v_;                                                              \
        yacc += c[N_] * v_;                                                               \
    } while (0)

/* One channel: STATE(n, ARG) for n from -N to -1, an odd first state alone, then pairs. */
#define MN_SSM_ROW(STATE, ARG)   \
    do {                         \
        ptrdiff_t n = -ns;       \
        if (ns & 1) {            \
            STATE(n, ARG);       \
            n++;                 \
        }                        \
        for (; n != 0; n += 2) { \
            STATE(n, ARG);       \
            STATE(n + 1, ARG);   \
        }                        \
    } while (0)

/*
 * Selective state update and gate for one layer (see mamba_nano.h for the arithmetic).
 * ssm_state (E, N); delta (E); xs (E); bc = B (N) then C (N); z (E); g (E) out.
 */
void MN_ANSI(mn_ssm_gate_s8)(int8_t *g, int16_t *ssm_state, const mn_layer *ly,
                             const uint16_t *exp2_lut, const uint16_t *delta, const int8_t *xs,
                             const int8_t *bc, const int8_t *z, int d_inner, int d_state)
{
    const uint32_t exp_shift = (uint32_t)ly->exp_shift;
    /* p = round_half_up(delta * a2 / 2^exp_shift): delta < 2^16 and a2 < 2^15 (loader-checked)
     * leave room for the rounding term in uint32. */
    const uint32_t p_round = (1u << exp_shift) >> 1;
    /* delta <= d_free keeps delta * a2 + p_round < (MN_P_MAX + 1) * 2^exp_shift for every
     * a2 <= 0x7FFF (loader-checked), so p <= MN_P_MAX: the clamp is a no-op for that channel. */
    const uint64_t p_lim = ((uint64_t)(MN_P_MAX + 1u) << exp_shift) - p_round;
    const uint32_t d_free =
        p_lim > (uint64_t)0x7FFFu * 0xFFFFu ? 0xFFFFu : (uint32_t)(p_lim - 1u) / 0x7FFFu;
    const int fast_shift = exp_shift <= 16u;
    const ptrdiff_t ns = d_state;
    /* The rows are addressed from their ends: the inner loop counts n from -N up to 0, one
     * induction variable for all four arrays. */
    const uint16_t *a2_row = ly->a2;
    int16_t *h_row = ssm_state;
    const int8_t *b = bc + ns, *c = bc + 2 * ns; /* B (N), C (N) */
    /* The layer's parameters in locals: the int8 stores to g may alias anything. */
    const mn_rq *dbx_rq = ly->dbx_rq, *y_rq = ly->y_rq, *d_rq = ly->d_rq;
    const int8_t *silu_z = ly->silu_z_lut + 128;
    const mn_rq gate_rq = ly->gate_rq;
    for (int e = 0; e < d_inner; e++, a2_row += ns, h_row += ns) {
        const uint16_t *a2 = a2_row + ns;
        int16_t *h = h_row + ns;
        const uint32_t d = delta[e];
        const int32_t x = xs[e];
        /* u = clamp(rq(delta * xs), +-2^23): one clamp of the int64 value (== the int32
         * saturation followed by the clamp). */
        const int64_t uw = mn_rq_wide((int32_t)d * x, &dbx_rq[e]);
        const int32_t u =
            (int32_t)(uw > (1 << 23) ? (1 << 23) : (uw < -(1 << 23) ? -(1 << 23) : uw));
        const uint32_t dq = fast_shift ? d << (16u - exp_shift) : 0u;
        int32_t yacc = 0;
        if (d <= d_free && fast_shift) {
            MN_SSM_ROW(MN_SSM_STATE, 1);
        } else {
            MN_SSM_ROW(MN_SSM_STATE, 0);
        }
        const int32_t y = mn_sat8_sum(mn_rq32(yacc, &y_rq[e]), mn_rq32(x, &d_rq[e]));
        g[e] = mn_rq8(y * silu_z[z[e]], &gate_rq);
    }
}

/* One state element n of a scalar-A channel (dA shared by the row): updates h[n], adds C[n] * h[n];
 * SAT_ 0 where the row's bound proves the int16 saturation a no-op. */
#define MN_SSM_STATE_SCALAR_A(N_, SAT_)                          \
    do {                                                         \
        int32_t v_ = (da * h[N_] + u * b[N_] + (1 << 14)) >> 15; \
        if ((SAT_) && (uint32_t)(v_ + 32768) > 65535u) {         \
            v_ = v_ < 0 ? -32768 : 32767;                        \
        }                                                        \
        h[N_] = (int16_t)v_;                                     \
        yacc += c[N_] * v_;                                      \
    } while (0)

/*
 * The selective scan and gate of a layer with scalar-A heads (ly->a_heads = H, a2 (H)): channel e
 * takes a2[e / (E / H)], so p and dA = 2^-p are computed once per channel, with the general
 * path's rounding and clamp (the same value the (E, N) kernel computes for every n of a row that
 * repeats it), and the inner loop over n is the state update alone. The saturation of the new
 * state is skipped for a row where it cannot happen: with |h| <= 2^15, 0 <= dA <= 2^15 and
 * |B| <= b_max, dA * h + u * B + 2^14 stays in [-2^30, 2^30) when 2^15 dA + b_max |u| + 2^14 <
 * 2^30, so the shift by 15 lands in int16.
 * ssm_state (E, N); delta (E); xs (E); bc = B (N) then C (N); z (E); g (E) out.
 */
void MN_ANSI(mn_ssm_gate_scalar_a_s8)(int8_t *g, int16_t *ssm_state, const mn_layer *ly,
                                      const uint16_t *exp2_lut, const uint16_t *delta,
                                      const int8_t *xs, const int8_t *bc, const int8_t *z,
                                      int d_inner, int d_state)
{
    const uint32_t exp_shift = (uint32_t)ly->exp_shift;
    const uint32_t p_round = (1u << exp_shift) >> 1; /* delta * a2 + p_round < 2^31 + 2^21 */
    const ptrdiff_t ns = d_state;
    const int head_dim = d_inner / ly->a_heads;  /* the loader checked that H divides E */
    const int8_t *b = bc + ns, *c = bc + 2 * ns; /* B (N), C (N), addressed from their ends */
    const mn_rq *dbx_rq = ly->dbx_rq, *y_rq = ly->y_rq, *d_rq = ly->d_rq;
    const int8_t *silu_z = ly->silu_z_lut + 128;
    const mn_rq gate_rq = ly->gate_rq;
    uint32_t b_max = 0; /* max |B[n]|, <= 128 */
    for (ptrdiff_t n = -ns; n != 0; n++) {
        const uint32_t mag = (uint32_t)(b[n] < 0 ? -b[n] : b[n]);
        b_max = mag > b_max ? mag : b_max;
    }
    int16_t *h = ssm_state + ns;
    /* One loop over the channels (a loop over heads around it costs registers): a2_head is the
     * head of channel e, left_in_head its channels from e on. */
    const uint16_t *a2_head = ly->a2;
    int left_in_head = head_dim;
    for (int e = 0; e < d_inner; e++, h += ns) {
        const uint32_t d = delta[e];
        const int32_t x = xs[e];
        const int64_t uw = mn_rq_wide((int32_t)d * x, &dbx_rq[e]);
        const int32_t u =
            (int32_t)(uw > (1 << 23) ? (1 << 23) : (uw < -(1 << 23) ? -(1 << 23) : uw));
        const uint32_t p = (d * *a2_head + p_round) >> exp_shift;
        const int32_t da = p >= MN_P_MAX
                               ? exp2_lut[0] >> 15
                               : exp2_lut[p & (MN_EXP2_LUT_SIZE - 1)] >> (p >> MN_EXP2_FRAC_BITS);
        int32_t yacc = 0;
        /* 2^15 dA <= 2^30 and b_max |u| <= 2^30: the sum fits uint32. */
        const uint32_t bound =
            ((uint32_t)da << 15) + b_max * (uint32_t)(u < 0 ? -u : u) + (1u << 14);
        if (bound < (1u << 30)) {
            MN_SSM_ROW(MN_SSM_STATE_SCALAR_A, 0);
        } else {
            MN_SSM_ROW(MN_SSM_STATE_SCALAR_A, 1);
        }
        const int32_t y = mn_sat8_sum(mn_rq32(yacc, &y_rq[e]), mn_rq32(x, &d_rq[e]));
        g[e] = mn_rq8(y * silu_z[z[e]], &gate_rq);
        if (--left_in_head == 0) {
            left_in_head = head_dim;
            a2_head++;
        }
    }
}

/* r[i] = sat8(o[i] + rq(r[i], res_rq)): the residual add after out_proj. */
void MN_ANSI(mn_residual_s8)(int8_t *r, const int8_t *o, const mn_rq *res_rq, int d_model)
{
    const mn_rq rq = *res_rq; /* a local: the int8 stores to r may alias anything */
    for (int i = 0; i < d_model; i++) {
        r[i] = mn_sat8_sum(o[i], mn_rq32(r[i], &rq));
    }
}

const mn_kernels MN_ANSI(mn_kernels) = {
    MN_ANSI_NAME,
    MN_ANSI(mn_linear_s8),
    MN_ANSI(mn_conv_silu_s8),
    MN_ANSI(mn_dt_softplus),
    MN_ANSI(mn_ssm_gate_s8),
    MN_ANSI(mn_ssm_gate_scalar_a_s8),
    MN_ANSI(mn_residual_s8),
};
