/*
 * mn_step_s8.c — the portable reference of MambaNano's integer step: the bit-exact definition of
 * the arithmetic described in mamba_nano.h. Any optimized variant must match it bit for bit.
 *
 * Symbols as in mamba_nano.h: F features, D d_model, E d_inner, N d_state, R dt_rank, K d_conv,
 * L layers, C classes. Integer only: no float, no malloc, no globals; state and scratch are the
 * caller's. Right shifts of negative values are arithmetic (true of every compiler we target).
 *
 * Accumulator bounds (why int32 is enough, given the loader's checks |bias| < 2^30, inputs and
 * weights in [-128, 127] and the MN_MAX_* dims): a linear row sums at most 256 products of
 * magnitude <= 2^14, i.e. < 2^22, plus the bias: < 2^31. The SSM terms are bounded in mamba_nano.h.
 */
#include <string.h>

#include "mamba_nano.h"

/* State: header, then pool_sum (D) int32, ssm_state (L, E, N) int16, conv_state (L, K-1, E) int8. */
typedef struct {
    uint32_t model_crc;
    uint32_t steps;
} mn_state_header;

#define MN_POOL_HALVE_AT (1u << 23) /* pool_sum stays < 2^23 * 128 = 2^30 */

static size_t mn_align4(size_t n) { return (n + 3u) & ~(size_t)3u; }

static size_t mn_pool_offset(void) { return sizeof(mn_state_header); }
static size_t mn_ssm_offset(const mn_model *m) { return mn_pool_offset() + 4u * (size_t)m->d_model; }
static size_t mn_conv_offset(const mn_model *m)
{
    return mn_ssm_offset(m) + 2u * (size_t)m->n_layers * m->d_inner * m->d_state;
}

size_t mn_state_size(const mn_model *model)
{
    if (model == NULL || model->n_layers == 0) {
        return 0;
    }
    return mn_align4(mn_conv_offset(model) +
                     (size_t)model->n_layers * (size_t)(model->d_conv - 1) * model->d_inner);
}

/* Scratch: delta (E) uint16, then int8: r (D), xz (2E), xs (E), dbc (R+2N), g (E). */
size_t mn_scratch_size(const mn_model *model)
{
    if (model == NULL || model->n_layers == 0) {
        return 0;
    }
    const size_t e = model->d_inner;
    return mn_align4(2u * e + model->d_model + 2u * e + e +
                     (size_t)model->dt_rank + 2u * model->d_state + e);
}

static int mn_state_ok(const mn_model *model, const void *state, size_t state_size)
{
    return model != NULL && state != NULL && model->n_layers != 0 &&
           state_size >= mn_state_size(model) &&
           ((const mn_state_header *)state)->model_crc == model->crc32;
}

mn_status mn_state_reset(const mn_model *model, void *state, size_t state_size)
{
    if (model == NULL || state == NULL) {
        return MN_ERR_ARG;
    }
    if (model->n_layers == 0) {
        return MN_ERR_NOT_LOADED;
    }
    if (state_size < mn_state_size(model)) {
        return MN_ERR_BUFFER_TOO_SMALL;
    }
    memset(state, 0, mn_state_size(model));
    ((mn_state_header *)state)->model_crc = model->crc32;
    return MN_OK;
}

uint32_t mn_state_steps(const mn_model *model, const void *state, size_t state_size)
{
    return mn_state_ok(model, state, state_size) ? ((const mn_state_header *)state)->steps : 0u;
}

const int8_t *mn_state_conv(const mn_model *model, const void *state, int layer)
{
    if (model == NULL || state == NULL || layer < 0 || layer >= model->n_layers) {
        return NULL;
    }
    return (const int8_t *)state + mn_conv_offset(model) +
           (size_t)layer * (size_t)(model->d_conv - 1) * model->d_inner;
}

const int16_t *mn_state_ssm(const mn_model *model, const void *state, int layer)
{
    if (model == NULL || state == NULL || layer < 0 || layer >= model->n_layers) {
        return NULL;
    }
    return (const int16_t *)((const uint8_t *)state + mn_ssm_offset(model)) +
           (size_t)layer * model->d_inner * model->d_state;
}

const int32_t *mn_state_pool_sum(const mn_model *model, const void *state)
{
    if (model == NULL || state == NULL) {
        return NULL;
    }
    return (const int32_t *)((const uint8_t *)state + mn_pool_offset());
}

/* ------------------------------------------------------------------------------------------- */

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

static inline int8_t mn_sat8(int32_t v)
{
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
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
static void mn_linear_s8(int8_t *out, const int8_t *w, const int32_t *bias, const mn_rq *rq,
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
static void mn_conv_silu_s8(int8_t *xs, int8_t *conv_state, const mn_layer *ly, const int8_t *xi,
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

/*
 * Selective state update and gate for one layer (see mamba_nano.h for the arithmetic).
 * ssm_state (E, N); delta (E); xs (E); bc = B (N) then C (N); z (E); g (E) out.
 */
static void mn_ssm_gate_s8(int8_t *g, int16_t *ssm_state, const mn_layer *ly,
                           const uint16_t *exp2_lut, const uint16_t *delta, const int8_t *xs,
                           const int8_t *bc, const int8_t *z, int d_inner, int d_state)
{
    const int8_t *b = bc;           /* (N) */
    const int8_t *c = bc + d_state; /* (N) */
    const uint32_t exp_shift = (uint32_t)ly->exp_shift;
    /* p = round_half_up(delta * a2 / 2^exp_shift): delta < 2^16 and a2 < 2^15 (loader-checked)
     * leave room for the rounding term in uint32. Truncating would bias slow channels toward
     * no decay. */
    const uint32_t p_round = (1u << exp_shift) >> 1;
    const uint32_t p_max = 15u << MN_EXP2_FRAC_BITS;
    for (int e = 0; e < d_inner; e++) {
        const uint32_t d = delta[e];
        const uint16_t *a2 = ly->a2 + (size_t)e * d_state; /* (N) */
        int16_t *h = ssm_state + (size_t)e * d_state;      /* (N) */
        int32_t u = mn_rq_apply((int32_t)d * xs[e], &ly->dbx_rq[e]);
        u = u > (1 << 23) ? (1 << 23) : (u < -(1 << 23) ? -(1 << 23) : u);
        int32_t yacc = 0;
        for (int n = 0; n < d_state; n++) {
            uint32_t p = (d * a2[n] + p_round) >> exp_shift;
            p = p < p_max ? p : p_max;
            const int32_t da = exp2_lut[p & (MN_EXP2_LUT_SIZE - 1)] >> (p >> MN_EXP2_FRAC_BITS);
            const int16_t hn = mn_sat16((da * h[n] + u * b[n] + (1 << 14)) >> 15);
            h[n] = hn;
            yacc += c[n] * hn;
        }
        const int32_t y = mn_sat8_sum(mn_rq_apply(yacc, &ly->y_rq[e]), mn_rq_apply(xs[e], &ly->d_rq[e]));
        const int32_t zs = ly->silu_z_lut[z[e] + 128];
        g[e] = mn_rq_s8(y * zs, &ly->gate_rq);
    }
}

mn_status mn_step_s8(const mn_model *model, void *state, size_t state_size, void *scratch,
                     size_t scratch_size, const int8_t *features)
{
    if (model == NULL || state == NULL || scratch == NULL || features == NULL) {
        return MN_ERR_ARG;
    }
    if (model->n_layers == 0) {
        return MN_ERR_NOT_LOADED;
    }
    if (state_size < mn_state_size(model) || scratch_size < mn_scratch_size(model)) {
        return MN_ERR_BUFFER_TOO_SMALL;
    }
    if (((const mn_state_header *)state)->model_crc != model->crc32) {
        return MN_ERR_NOT_LOADED;
    }
    const int D = model->d_model, E = model->d_inner, N = model->d_state, R = model->dt_rank;
    const int K = model->d_conv;

    uint16_t *delta = (uint16_t *)scratch; /* (E) */
    int8_t *r = (int8_t *)(delta + E);     /* (D)  residual stream */
    int8_t *xz = r + D;                    /* (2E) xi then z */
    int8_t *xs = xz + 2 * E;               /* (E) */
    int8_t *dbc = xs + E;                  /* (R + 2N) dt_low, B, C */
    int8_t *g = dbc + R + 2 * N;           /* (E) */

    uint8_t *st = (uint8_t *)state;
    mn_state_header *hdr = (mn_state_header *)st;
    int32_t *pool_sum = (int32_t *)(st + mn_pool_offset());         /* (D) */
    int16_t *ssm_all = (int16_t *)(st + mn_ssm_offset(model));      /* (L, E, N) */
    int8_t *conv_all = (int8_t *)(st + mn_conv_offset(model));      /* (L, K-1, E) */

    mn_linear_s8(r, model->in_w, model->in_b, model->in_rq, features, D, model->n_features);

    for (int l = 0; l < model->n_layers; l++) {
        const mn_layer *ly = &model->layers[l];
        int16_t *ssm_state = ssm_all + (size_t)l * E * N;
        int8_t *conv_state = conv_all + (size_t)l * (K - 1) * E;

        mn_linear_s8(xz, ly->inproj_w, ly->inproj_b, ly->inproj_rq, r, 2 * E, D);
        mn_conv_silu_s8(xs, conv_state, ly, xz, E, K);
        mn_linear_s8(dbc, ly->xproj_w, NULL, ly->xproj_rq, xs, R + 2 * N, E);
        /* dt_proj into g (free until the gate), then softplus into delta. */
        mn_linear_s8(g, ly->dtproj_w, ly->dtproj_b, ly->dtproj_rq, dbc, E, R);
        for (int e = 0; e < E; e++) {
            delta[e] = ly->softplus_lut[g[e] + 128];
        }
        mn_ssm_gate_s8(g, ssm_state, ly, model->exp2_lut, delta, xs, dbc + R, xz + E, E, N);
        /* out_proj into xz (free now), then the residual add. */
        mn_linear_s8(xz, ly->outproj_w, ly->outproj_b, ly->outproj_rq, g, D, E);
        for (int i = 0; i < D; i++) {
            r[i] = mn_sat8_sum(xz[i], mn_rq_apply(r[i], &ly->res_rq));
        }
    }

    if (hdr->steps >= MN_POOL_HALVE_AT) {
        for (int i = 0; i < D; i++) {
            pool_sum[i] /= 2;
        }
        hdr->steps /= 2;
    }
    for (int i = 0; i < D; i++) {
        pool_sum[i] += r[i];
    }
    hdr->steps++;
    return MN_OK;
}

mn_status mn_logits_q8(const mn_model *model, const void *state, size_t state_size,
                       int32_t *logits_q8)
{
    if (model == NULL || state == NULL || logits_q8 == NULL) {
        return MN_ERR_ARG;
    }
    if (!mn_state_ok(model, state, state_size)) {
        return MN_ERR_NOT_LOADED;
    }
    const mn_state_header *hdr = (const mn_state_header *)state;
    if (hdr->steps == 0) {
        return MN_ERR_NO_STEPS;
    }
    const int D = model->d_model;
    const int32_t *pool_sum = mn_state_pool_sum(model, state);
    const int32_t steps = (int32_t)hdr->steps;
    int8_t pooled[MN_MAX_D_MODEL]; /* (D) mean of the residual stream, round half away from 0 */
    for (int i = 0; i < D; i++) {
        const int32_t s = pool_sum[i];
        pooled[i] = mn_sat8(s >= 0 ? (s + steps / 2) / steps : -((-s + steps / 2) / steps));
    }
    for (int c = 0; c < model->n_classes; c++) {
        const int32_t acc = model->cls_b[c] + mn_dot_s8(model->cls_w + (size_t)c * D, pooled, D);
        logits_q8[c] = mn_rq_apply(acc, &model->cls_rq[c]);
    }
    return MN_OK;
}

int mn_softmax_q15(const mn_model *model, const int32_t *logits_q8, uint16_t *probs_q15)
{
    if (model == NULL || logits_q8 == NULL || model->n_classes == 0) {
        return -1;
    }
    const int n = model->n_classes;
    int best = 0;
    for (int c = 1; c < n; c++) {
        if (logits_q8[c] > logits_q8[best]) {
            best = c;
        }
    }
    if (probs_q15 == NULL) {
        return best;
    }
    /* e_c = 2^-((max - l_c) * log2(e)) in Q15; (x * 1477) >> 8 converts Q8 nats to Q10 bits. */
    uint32_t e[MN_MAX_CLASSES];
    uint32_t sum = 0;
    for (int c = 0; c < n; c++) {
        const int64_t diff_q8 = (int64_t)logits_q8[best] - logits_q8[c];
        int64_t p = (diff_q8 * 1477) >> 8;
        const int64_t p_max = 15 << MN_EXP2_FRAC_BITS;
        p = p < p_max ? p : p_max;
        e[c] = (uint32_t)(model->exp2_lut[p & (MN_EXP2_LUT_SIZE - 1)] >> (p >> MN_EXP2_FRAC_BITS));
        sum += e[c];
    }
    for (int c = 0; c < n; c++) {
        probs_q15[c] = (uint16_t)(((uint64_t)e[c] * 32768u + sum / 2) / sum);
    }
    return best;
}
