/*
 * mn_step_s8.c — MambaNano's integer step: the state and scratch layout and the order of the layer
 * kernels, which it calls through one table (mn_kernels.h; MN_KERNELS, the portable `_ansi` C of
 * mn_kernels_ansi.c unless a port selects another); the pooled classifier and the softmax. The
 * arithmetic is the one described in mamba_nano.h; every kernel variant matches it bit for bit.
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
#include "mn_arith.h"
#include "mn_kernels.h"

/* State: header, then pool_sum (D) int32, ssm_state (L, E, N) int16, conv_state (L, K-1, E) int8. */
typedef struct {
    uint32_t model_crc;
    uint32_t steps;
} mn_state_header;

#define MN_POOL_HALVE_AT (1u << 23) /* pool_sum stays < 2^23 * 128 = 2^30 */

static size_t mn_align4(size_t n) { return (n + 3u) & ~(size_t)3u; }

static size_t mn_pool_offset(void) { return sizeof(mn_state_header); }
static size_t mn_ssm_offset(const mn_model *m)
{
    return mn_pool_offset() + 4u * (size_t)m->d_model;
}
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
    return mn_align4(2u * e + model->d_model + 2u * e + e + (size_t)model->dt_rank +
                     2u * model->d_state + e);
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

mn_status mn_step_s8(const mn_model *model, void *state, size_t state_size, void *scratch,
                     size_t scratch_size, const int8_t *features)
{
    return mn_step_s8_with(&MN_KERNELS, model, state, state_size, scratch, scratch_size, features);
}

mn_status mn_step_s8_with(const mn_kernels *kernels, const mn_model *model, void *state,
                          size_t state_size, void *scratch, size_t scratch_size,
                          const int8_t *features)
{
    const mn_kernels *k = kernels;
    if (k == NULL || model == NULL || state == NULL || scratch == NULL || features == NULL) {
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
    int32_t *pool_sum = (int32_t *)(st + mn_pool_offset());    /* (D) */
    int16_t *ssm_all = (int16_t *)(st + mn_ssm_offset(model)); /* (L, E, N) */
    int8_t *conv_all = (int8_t *)(st + mn_conv_offset(model)); /* (L, K-1, E) */

    k->linear_s8(r, model->in_w, model->in_b, model->in_rq, features, D, model->n_features);

    for (int l = 0; l < model->n_layers; l++) {
        const mn_layer *ly = &model->layers[l];
        int16_t *ssm_state = ssm_all + (size_t)l * E * N;
        int8_t *conv_state = conv_all + (size_t)l * (K - 1) * E;

        k->linear_s8(xz, ly->in_proj_w, ly->in_proj_b, ly->in_proj_rq, r, 2 * E, D);
        k->conv_silu_s8(xs, conv_state, xz, ly, E, K);
        k->linear_s8(dbc, ly->x_proj_w, NULL, ly->x_proj_rq, xs, R + 2 * N, E);
        k->dt_softplus(delta, dbc, ly, E, R);
        mn_ssm_gate_s8_fn *ssm_gate = ly->a_heads != 0 ? k->ssm_gate_scalar_a_s8 : k->ssm_gate_s8;
        ssm_gate(g, ssm_state, ly, model->exp2_lut, delta, xs, dbc + R, xz + E, E, N);
        /* out_proj into xz (free now), then the residual add. */
        k->linear_s8(xz, ly->out_proj_w, ly->out_proj_b, ly->out_proj_rq, g, D, E);
        k->residual_s8(r, xz, &ly->res_rq, D);
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
        logits_q8[c] = mn_rq32(acc, &model->cls_rq[c]);
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
