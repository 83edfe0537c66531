/*
 * mnf_float_ref.c — fp32 reference of the model in a loaded file, for tests, tools and as the
 * baseline of the benchmarks. Host only; never part of the device build.
 *
 * mnf_model_init() dequantizes the file's weights once (int8 * per-row scale; biases, D and
 * A from their float / fixed-point tensors) into the caller's arena; mnf_step() is a plain fp32
 * Mamba step (row-major matvec loops, libm expf / log1pf): a fair float implementation, not a
 * deliberately slow one. Symbols as in mamba_nano.h.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mamba_nano.h"

typedef struct {
    const float *in_proj_w, *in_proj_b;   /* (2E, D), (2E) */
    const float *conv_w, *conv_b;         /* (E, K), (E) */
    const float *x_proj_w;                /* (R+2N, E) */
    const float *dt_proj_w, *dt_proj_b;   /* (E, R), (E) */
    const float *a;                       /* (E, a_n) A = -|A| */
    int a_n;                              /* N, or 1 with scalar-A heads (one A per channel) */
    const float *d;                       /* (E) D, the skip */
    const float *out_proj_w, *out_proj_b; /* (D, E), (D) */
} mnf_layer;

struct mnf_model {
    int n_features, d_model, d_inner, d_state, dt_rank, d_conv, n_layers, n_classes;
    const float *in_w, *in_b;   /* (D, F), (D) */
    const float *cls_w, *cls_b; /* (C, D), (C) */
    mnf_layer layers[MN_MAX_LAYERS];
};

/* State: steps (uint32, padded to 4 floats), pool_sum (D), ssm_state (L, E, N), conv_state (L, K-1, E). */
#define MNF_STATE_HEADER_FLOATS 4

static size_t mnf_weight_floats(const mn_model *m)
{
    const size_t F = m->n_features, D = m->d_model, E = m->d_inner, N = m->d_state;
    const size_t R = m->dt_rank, K = m->d_conv, C = m->n_classes;
    const size_t per_layer =
        2 * E * D + 2 * E + E * K + E + (R + 2 * N) * E + E * R + E + E * N + E + D * E + D;
    return D * F + D + C * D + C + (size_t)m->n_layers * per_layer;
}

mn_status mnf_model_status(const mn_model *model)
{
    if (model == NULL) {
        return MN_ERR_ARG;
    }
    if (model->n_layers == 0) {
        return MN_ERR_NOT_LOADED;
    }
    return (model->flags & MN_FLAG_LEAN) != 0 ? MN_ERR_LEAN : MN_OK;
}

size_t mnf_arena_size(const mn_model *model)
{
    if (mnf_model_status(model) != MN_OK) {
        return 0;
    }
    return sizeof(struct mnf_model) + sizeof(float) * mnf_weight_floats(model) + sizeof(float);
}

/* out (rows, cols) = q (rows, cols) * scale[row] */
static float *mnf_dequant_rows(float *out, const int8_t *q, const float *scale, int rows, int cols)
{
    for (int o = 0; o < rows; o++) {
        for (int i = 0; i < cols; i++) {
            out[(size_t)o * cols + i] = (float)q[(size_t)o * cols + i] * scale[o];
        }
    }
    return out + (size_t)rows * cols;
}

static float *mnf_copy(float *out, const float *src, size_t n)
{
    memcpy(out, src, n * sizeof(float));
    return out + n;
}

mnf_model *mnf_model_init(const mn_model *q, void *arena, size_t arena_size)
{
    if (mnf_model_status(q) != MN_OK || arena == NULL || arena_size < mnf_arena_size(q)) {
        return NULL;
    }
    mnf_model *m = (mnf_model *)arena;
    memset(m, 0, sizeof(*m));
    m->n_features = q->n_features;
    m->d_model = q->d_model;
    m->d_inner = q->d_inner;
    m->d_state = q->d_state;
    m->dt_rank = q->dt_rank;
    m->d_conv = q->d_conv;
    m->n_layers = q->n_layers;
    m->n_classes = q->n_classes;
    const int F = m->n_features, D = m->d_model, E = m->d_inner, N = m->d_state;
    const int R = m->dt_rank, K = m->d_conv, C = m->n_classes;

    float *p = (float *)(m + 1);
    m->in_w = p;
    p = mnf_dequant_rows(p, q->in_w, q->in_wscale, D, F);
    m->in_b = p;
    p = mnf_copy(p, q->in_bf, (size_t)D);
    m->cls_w = p;
    p = mnf_dequant_rows(p, q->cls_w, q->cls_wscale, C, D);
    m->cls_b = p;
    p = mnf_copy(p, q->cls_bf, (size_t)C);
    for (int l = 0; l < m->n_layers; l++) {
        const mn_layer *ql = &q->layers[l];
        mnf_layer *fl = &m->layers[l];
        fl->in_proj_w = p;
        p = mnf_dequant_rows(p, ql->in_proj_w, ql->in_proj_wscale, 2 * E, D);
        fl->in_proj_b = p;
        p = mnf_copy(p, ql->in_proj_bf, 2 * (size_t)E);
        fl->conv_w = p;
        p = mnf_dequant_rows(p, ql->conv_w, ql->conv_wscale, E, K);
        fl->conv_b = p;
        p = mnf_copy(p, ql->conv_bf, (size_t)E);
        fl->x_proj_w = p;
        p = mnf_dequant_rows(p, ql->x_proj_w, ql->x_proj_wscale, R + 2 * N, E);
        fl->dt_proj_w = p;
        p = mnf_dequant_rows(p, ql->dt_proj_w, ql->dt_proj_wscale, E, R);
        fl->dt_proj_b = p;
        p = mnf_copy(p, ql->dt_proj_bf, (size_t)E);
        /* A = -(a2 * 2^-a2_frac_bits) / log2(e): (E, N), or with scalar-A heads one value per
         * channel, its head's (E, 1) */
        fl->a = p;
        fl->a_n = ql->a_heads != 0 ? 1 : N;
        const float a2_unit = ldexpf(1.0f, -ql->a2_frac_bits) * 0.69314718f;
        for (int i = 0; i < E * fl->a_n; i++) {
            *p++ = -(float)ql->a2[ql->a_heads != 0 ? i / (E / ql->a_heads) : i] * a2_unit;
        }
        fl->d = p;
        p = mnf_copy(p, ql->d_f, (size_t)E);
        fl->out_proj_w = p;
        p = mnf_dequant_rows(p, ql->out_proj_w, ql->out_proj_wscale, D, E);
        fl->out_proj_b = p;
        p = mnf_copy(p, ql->out_proj_bf, (size_t)D);
    }
    return m;
}

size_t mnf_state_size(const mnf_model *m)
{
    const size_t L = m->n_layers, E = m->d_inner;
    return sizeof(float) * (MNF_STATE_HEADER_FLOATS + m->d_model + L * E * m->d_state +
                            L * (size_t)(m->d_conv - 1) * E);
}

/* Scratch: r (D), xz (2E), xs (E), dbc (R+2N), delta (E), g (E), out (D). */
size_t mnf_scratch_size(const mnf_model *m)
{
    const size_t D = m->d_model, E = m->d_inner;
    return sizeof(float) * (2 * D + 5 * E + m->dt_rank + 2 * (size_t)m->d_state);
}

static float *mnf_pool(const mnf_model *m, const void *state)
{
    (void)m;
    return (float *)state + MNF_STATE_HEADER_FLOATS;
}

static float *mnf_ssm(const mnf_model *m, const void *state, int layer)
{
    return mnf_pool(m, state) + m->d_model + (size_t)layer * m->d_inner * m->d_state;
}

static float *mnf_conv(const mnf_model *m, const void *state, int layer)
{
    return mnf_ssm(m, state, m->n_layers) + (size_t)layer * (m->d_conv - 1) * m->d_inner;
}

void mnf_state_reset(const mnf_model *m, void *state) { memset(state, 0, mnf_state_size(m)); }

uint32_t mnf_state_steps(const mnf_model *m, const void *state)
{
    (void)m;
    return *(const uint32_t *)state;
}

const float *mnf_state_ssm(const mnf_model *m, const void *state, int layer)
{
    return (layer < 0 || layer >= m->n_layers) ? NULL : mnf_ssm(m, state, layer);
}

const float *mnf_state_pool_sum(const mnf_model *m, const void *state)
{
    return mnf_pool(m, state);
}

/* out (rows) = w (rows, cols) x (cols) + b (rows, or NULL) */
static void mnf_linear(float *out, const float *w, const float *b, const float *x, int rows,
                       int cols)
{
    for (int o = 0; o < rows; o++) {
        float acc = b != NULL ? b[o] : 0.0f;
        const float *row = w + (size_t)o * cols;
        for (int i = 0; i < cols; i++) {
            acc += row[i] * x[i];
        }
        out[o] = acc;
    }
}

static float mnf_silu(float x) { return x / (1.0f + expf(-x)); }

static float mnf_softplus(float x) { return x > 20.0f ? x : log1pf(expf(x)); }

void mnf_step(const mnf_model *m, void *state, void *scratch, const float *features)
{
    const int D = m->d_model, E = m->d_inner, N = m->d_state, R = m->dt_rank, K = m->d_conv;
    float *r = (float *)scratch;    /* (D) */
    float *xz = r + D;              /* (2E) xi then z */
    float *xs = xz + 2 * E;         /* (E) */
    float *dbc = xs + E;            /* (R + 2N) */
    float *delta = dbc + R + 2 * N; /* (E) */
    float *g = delta + E;           /* (E) */
    float *out = g + E;             /* (D) */

    mnf_linear(r, m->in_w, m->in_b, features, D, m->n_features);
    for (int l = 0; l < m->n_layers; l++) {
        const mnf_layer *ly = &m->layers[l];
        float *conv_state = mnf_conv(m, state, l); /* (K-1, E) */
        float *h = mnf_ssm(m, state, l);           /* (E, N) */
        mnf_linear(xz, ly->in_proj_w, ly->in_proj_b, r, 2 * E, D);
        for (int e = 0; e < E; e++) {
            float acc = ly->conv_b[e] + ly->conv_w[(size_t)e * K + K - 1] * xz[e];
            for (int k = 0; k < K - 1; k++) {
                acc += ly->conv_w[(size_t)e * K + k] * conv_state[(size_t)k * E + e];
            }
            xs[e] = mnf_silu(acc);
        }
        if (K > 1) {
            memmove(conv_state, conv_state + E, sizeof(float) * (size_t)(K - 2) * E);
            memcpy(conv_state + (size_t)(K - 2) * E, xz, sizeof(float) * (size_t)E);
        }
        mnf_linear(dbc, ly->x_proj_w, NULL, xs, R + 2 * N, E);
        mnf_linear(delta, ly->dt_proj_w, ly->dt_proj_b, dbc, E, R);
        const float *b = dbc + R, *c = dbc + R + N;
        for (int e = 0; e < E; e++) {
            const float d = mnf_softplus(delta[e]);
            const float dx = d * xs[e];
            float y = ly->d[e] * xs[e];
            float *he = h + (size_t)e * N;
            if (ly->a_n == 1) { /* scalar A: one decay for the channel's N states */
                const float da = expf(d * ly->a[e]);
                for (int n = 0; n < N; n++) {
                    he[n] = da * he[n] + dx * b[n];
                    y += c[n] * he[n];
                }
            } else {
                for (int n = 0; n < N; n++) {
                    he[n] = expf(d * ly->a[(size_t)e * N + n]) * he[n] + dx * b[n];
                    y += c[n] * he[n];
                }
            }
            g[e] = y * mnf_silu(xz[E + e]);
        }
        mnf_linear(out, ly->out_proj_w, ly->out_proj_b, g, D, E);
        for (int i = 0; i < D; i++) {
            r[i] += out[i];
        }
    }
    float *pool = mnf_pool(m, state);
    for (int i = 0; i < D; i++) {
        pool[i] += r[i];
    }
    (*(uint32_t *)state)++;
}

void mnf_logits(const mnf_model *m, const void *state, float *logits)
{
    const uint32_t steps = mnf_state_steps(m, state);
    const float *pool = mnf_pool(m, state);
    float pooled[MN_MAX_D_MODEL];
    for (int i = 0; i < m->d_model; i++) {
        pooled[i] = steps ? pool[i] / (float)steps : 0.0f;
    }
    mnf_linear(logits, m->cls_w, m->cls_b, pooled, m->n_classes, m->d_model);
}
