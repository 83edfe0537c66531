/*
 * mamba_nano.h — INT8 Mamba (selective state-space) streaming kernel for microcontrollers.
 *
 * What this is: the one definition of MambaNano's integer arithmetic. A model file (format below)
 * is validated and copied into a caller-owned arena by mn_model_load() (or read where it is, e.g.
 * in flash, by mn_model_load_in_place()); mn_step_s8() then advances
 * the model by one input frame, updating a caller-owned state in place (O(1) memory in sequence
 * length); mn_logits_q8() reads the classifier at any step from a running mean-pool.
 * A float reference of the same model (mnf_*) dequantizes the weights once and runs in fp32; it is
 * the baseline for tests and benchmarks, never used on the device.
 *
 * What this is not: a general NN runtime. The architecture is fixed (below); dims come from the file.
 * No malloc, no mutable globals, no float in any mn_* function. State and scratch are sized by
 * companion functions so the device can place them statically in internal SRAM.
 *
 * Symbols:  F = n_features   D = d_model   E = d_inner   N = d_state   R = dt_rank   K = d_conv
 *           L = n_layers     C = n_classes  T = steps since reset
 * Indexed, D[e] is the skip parameter (E values; PyTorch's MambaBlock.D), never the size d_model.
 * Names of every concept across C, C# and Python: native-interop/GLOSSARY.md.
 *
 * The model, per input frame f (F):
 *   r = input_proj(f)                                             (D)   residual stream
 *   for each layer l:
 *     [xi | z] = in_proj(r)                                       (2E)
 *     xc  = causal depthwise conv over the last K values of xi    (E)   conv_state carries K-1 frames
 *     xs  = silu(xc)                                              (E)
 *     [dt_low | B | C] = x_proj(xs)                               (R + 2N), no bias
 *     delta = softplus(dt_proj(dt_low))                           (E)   dt_proj has the dt bias
 *     h[e,n] = exp(delta[e] * A[e,n]) * h[e,n] + delta[e] * B[n] * xs[e]        A < 0
 *                 (scalar-A heads, format 1.2: A[e,n] = A[head(e)] for every n, below)
 *     y[e]   = sum_n C[n] * h[e,n] + D[e] * xs[e]
 *     g   = y * silu(z)                                           (E)
 *     r   = r + out_proj(g)                                       (D)
 *   pool += r;  logits = classifier(pool / T)                     (C)
 *
 * Integer arithmetic (the contract the quantizer in tools/ writes parameters for):
 *   - Linear layers: int8 weights (out, in) row-major with per-output-channel scales, int32 bias in
 *     accumulator units, int32 accumulation, then requantization acc -> int8 by a per-output-channel
 *     mn_rq {mult, shift}: out = sat8(round_half_up(acc * mult / 2^shift)).
 *   - Activations are symmetric int8 (zero point 0); an input zero point is folded into the bias.
 *   - silu and softplus are 256-entry lookup tables indexed by (int8 value + 128).
 *   - delta is uint16 with scale 2^-delta_frac_bits. A is stored as a2 = |A| * log2(e), uint16 in
 *     [0, 2^15) with scale 2^-a2_frac_bits.
 *     p = min(round_half_up(delta * a2 / 2^exp_shift), 15 * 2^10) is delta*|A|*log2(e)
 *     in Q10 (MN_EXP2_FRAC_BITS), and exp(delta*A) = 2^-p is
 *       dA = exp2_lut[p & 1023] >> (p >> 10)            in Q15 (exp2_lut[i] = 2^15 * 2^(-i/1024))
 *     Q10 keeps decay rates of slow channels (delta*|A| ~ 1e-3) within a few percent.
 *   - The hidden state h is int16 with a per-channel scale (per e). Per step and channel:
 *       u = clamp(rq(delta * xs, dbx_rq[e]), +-2^23)    u * B[n] is delta*B*xs in h units * 2^15
 *       h = sat16((dA * h + u * B[n] + 2^14) >> 15)     (fits int32: 2^30 + 2^30 + 2^14 < 2^31)
 *       yacc += C[n] * h
 *       y = sat8(rq(yacc, y_rq[e]) + rq(xs, d_rq[e]))   (D[e] is folded into d_rq's multiplier)
 *   - g = sat8(rq(y * silu_z, gate_rq));  r = sat8(rq(out_acc, out_rq[d]) + rq(r, res_rq)).
 *   - Pool: int32 sum of r over steps; pooled = round(sum / T) is int8 at the last residual scale.
 *
 * Scalar-A heads (Mamba2-style; format 1.2, a per-layer choice the file makes by A2's shape):
 * A2 is (H, 1), one |A| per head of E/H consecutive channels (H divides E; H = E: one per channel),
 * instead of (E, N). delta stays per channel (dt_proj unchanged) and B, C stay shared by all
 * channels, as in Mamba1: the only change is that a channel's N states share one decay rate. Why
 * per-channel delta and not Mamba2's per-head delta: the exp path (multiply, round, shift, clamp,
 * table load) then runs once per channel instead of once per (channel, state), which is where
 * its cost was, while dt_proj (E * R MACs, R = 2..4) keeps every channel's own time scale. The
 * scan's inner loop is then
 *       p  = min(round_half_up(delta[e] * a2[head(e)] / 2^exp_shift), 15 * 2^10)   once per e
 *       dA = exp2_lut[p & 1023] >> (p >> 10)                                        once per e
 *       h  = sat16((dA * h + u * B[n] + 2^14) >> 15);  yacc += C[n] * h            per (e, n)
 *   which is bit for bit what the (E, N) arithmetic gives for an A2 whose rows repeat one value.
 *   - Logits: rq(classifier acc, cls_rq[c]) in Q8 (real logit * 256), int32.
 */
#ifndef MAMBA_NANO_H
#define MAMBA_NANO_H

#include <stddef.h>
#include <stdint.h>

#include "mn_contract.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes (mn_status in mn_contract.h). Every error path of the loader has its own code;
 * mn_status_message() names it.
 * -------------------------------------------------------------------------------------------*/
const char *mn_status_message(mn_status status);

/* ---------------------------------------------------------------------------------------------
 * Model file format, version 1.2 (1.0 and 1.1 files still load; 1.2 adds scalar-A heads, an A2 of
 * shape (H, 1) with H dividing E, which a 1.0 or 1.1 file may not have: MN_SCALAR_A_MINOR).
 * All integers little-endian. Tensors start at multiples of
 * MN_TENSOR_ALIGN from the start of the file (for SIMD loads); padding bytes are zero.
 *
 *   offset size  field
 *   0      4     magic "MNMB"
 *   4      2     version_major (1)      6  2  version_minor (2; 0, 1 and newer minors stay readable)
 *   8      4     header_size (64)       12 4  file_size (bytes, whole file)
 *   16     4     crc32: CRC-32/IEEE (zlib's) over bytes [20 (MN_CRC_START), file_size)
 *   20     1     task (mn_task)         21 1  frontend (mn_frontend)
 *   22     1     pooling (mn_pooling)   23 1  n_layers
 *   24     2x8   n_features d_model d_inner d_state dt_rank d_conv n_classes n_tensors (uint16 each)
 *   40     4     tensor_table_offset (bytes from file start; table is n_tensors * 16 bytes)
 *   44     4     flags (minor >= 1; reserved zero in 1.0 files, and not read there):
 *                 bit 0 MN_FLAG_LEAN: the file carries no PC-only tensor (no f32 tensor: every
 *                 kind of dtype f32 below), only what the INT8 path reads. The device embeds
 *                 lean files; the float reference refuses them (MN_ERR_LEAN). Other bits zero.
 *   48     16    reserved, zero
 *
 * Tensor table entry (16 bytes):
 *   0 uint8 kind (mn_tensor_kind)  1 uint8 layer (0 for global tensors)  2 uint8 dtype (mn_dtype)
 *   3 uint8 reserved (0)           4 uint16 dim0   6 uint16 dim1 (1 for vectors)
 *   8 uint32 offset               12 uint32 nbytes (== dim0 * dim1 * sizeof(dtype))
 *
 * The numbers of this layout (MN_MAGIC, MN_VERSION_*, MN_HEADER_*, MN_FLAG_LEAN, MN_CRC_START,
 * MN_TENSOR_*), the codes of the header's fields (mn_task, mn_frontend, mn_pooling, mn_dtype),
 * every tensor kind with its dtype and shape (mn_tensor_kind, in the symbols above; "rq" tensors
 * are int32 (rows, 2) = {mult, shift} pairs, mn_rq) and the per-layer activation scales (mn_act)
 * are in mn_contract.h, generated from native-interop/contract/contract.json.
 *
 * Limits: every dim is in [1, MN_MAX_*] (mn_contract.h); anything up to them (and at least the
 * MambaLite-Micro KWS size: F 40, D 64, E 128, N 16, R 4, K 4) is supported. They bound every
 * int32 accumulator (see mn_step_s8.c) and the static buffers of the device build.
 * -------------------------------------------------------------------------------------------*/

/* Fixed-point requantization: real multiplier = mult * 2^-shift. Legal: shift in [0, 62]. */
typedef struct {
    int32_t mult;
    int32_t shift;
} mn_rq;

/* One Mamba block, pointers into the model arena. */
typedef struct {
    const int8_t *in_proj_w;      /* (2E, D) */
    const int32_t *in_proj_b;     /* (2E) */
    const mn_rq *in_proj_rq;      /* (2E) */
    const int8_t *conv_w;         /* (E, K) */
    const int32_t *conv_b;        /* (E) */
    const mn_rq *conv_rq;         /* (E) */
    const int8_t *silu_x_lut;     /* (256) */
    const int8_t *x_proj_w;       /* (R+2N, E) */
    const mn_rq *x_proj_rq;       /* (R+2N) */
    const int8_t *dt_proj_w;      /* (E, R) */
    const int32_t *dt_proj_b;     /* (E) */
    const mn_rq *dt_proj_rq;      /* (E) */
    const uint16_t *softplus_lut; /* (256) */
    const uint16_t *a2;           /* (E, N), or (H) with scalar-A heads */
    uint16_t a_heads; /* H of scalar-A heads (channel e in head e / (E / H)); 0: A2 is (E, N) */
    int32_t delta_frac_bits, a2_frac_bits,
        exp_shift;            /* exp_shift = delta_frac_bits + a2_frac_bits - 10 */
    const mn_rq *dbx_rq;      /* (E) */
    const mn_rq *y_rq;        /* (E) */
    const mn_rq *d_rq;        /* (E) */
    const int8_t *silu_z_lut; /* (256) */
    mn_rq gate_rq;
    const int8_t *out_proj_w;  /* (D, E) */
    const int32_t *out_proj_b; /* (D) */
    const mn_rq *out_proj_rq;  /* (D) */
    mn_rq res_rq;
    /* float-reference and tool views */
    const float *in_proj_wscale, *in_proj_bf, *conv_wscale, *conv_bf, *x_proj_wscale;
    const float *dt_proj_wscale, *dt_proj_bf, *d_f, *state_scale, *out_proj_wscale, *out_proj_bf;
    const float *act_scales; /* (MN_ACT_COUNT) */
} mn_layer;

/* A loaded model. Filled only by mn_model_load() (all pointers point into the caller's arena) or
 * mn_model_load_in_place() (into the caller's file). */
typedef struct {
    uint16_t version_minor;
    uint8_t task, frontend, pooling, n_layers;
    uint16_t n_features, d_model, d_inner, d_state, dt_rank, d_conv, n_classes;
    uint32_t crc32;          /* of the loaded file: identifies the model */
    uint32_t flags;          /* MN_FLAG_LEAN: the f32 pointers below are NULL, input_scale 0 */
    const char *class_names; /* (C, MN_CLASS_NAME_BYTES) */
    float input_scale, input_zero_point; /* copied from MN_T_INPUT_QUANT, for tools only */
    const uint16_t *exp2_lut;            /* (MN_EXP2_LUT_SIZE) */
    const int8_t *in_w;                  /* (D, F) */
    const int32_t *in_b;                 /* (D) */
    const mn_rq *in_rq;                  /* (D) */
    const int8_t *cls_w;                 /* (C, D) */
    const int32_t *cls_b;                /* (C) */
    const mn_rq *cls_rq;                 /* (C) */
    const float *in_wscale, *in_bf, *cls_wscale, *cls_bf, *pool_scale;
    mn_layer layers[MN_MAX_LAYERS];
} mn_model;

/* ---------------------------------------------------------------------------------------------
 * Loading. mn_model_load() validates the whole file (header, CRC, table, every tensor's dtype,
 * shape, bounds and alignment, every rq shift, LUT and parameter range) before it writes anything;
 * on any error neither *model nor the arena is touched, so a model already loaded there keeps
 * working. On success the file is copied into the arena (the caller may free the file).
 * -------------------------------------------------------------------------------------------*/

/* sizeof(mn_model), for callers that allocate one without seeing this header (ctypes). */
size_t mn_model_struct_size(void);

/* Bytes of arena mn_model_load() needs for this file, or 0 if the header is unreadable. */
size_t mn_model_arena_size(const uint8_t *file, size_t file_size);

/* Validate-only: the status mn_model_load() would return, with no arena. */
mn_status mn_model_validate(const uint8_t *file, size_t file_size);

mn_status mn_model_load(mn_model *model, void *arena, size_t arena_size, const uint8_t *file,
                        size_t file_size);

/* Validate as mn_model_load() does, then read the file where it is, without an arena: every
 * pointer of *model points into file, which must stay at that address, unchanged, for as long as
 * the model is used (e.g. a resource of the deployed assembly in memory-mapped flash). A file at
 * an address that is not a multiple of MN_IN_PLACE_ALIGN (mn_contract.h) gives MN_ERR_ALIGN; as
 * tensors sit at multiples of MN_TENSOR_ALIGN from the file's start, every tensor then has that
 * alignment (SIMD variants that need 16 are for arenas). On any error *model is untouched. */
mn_status mn_model_load_in_place(mn_model *model, const uint8_t *file, size_t file_size);

/* Validate, then report the arena, state and scratch bytes this file needs, without loading it:
 * lets a caller with fixed buffers refuse a model before it replaces the one it has. */
mn_status mn_model_buffer_sizes(const uint8_t *file, size_t file_size, size_t *arena_size,
                                size_t *state_size, size_t *scratch_size);

/* The name of class c (NUL-terminated), or "" if c is out of range. */
const char *mn_class_name(const mn_model *model, int c);

/* CRC-32/IEEE (zlib's crc32()), bytewise, table-free. */
uint32_t mn_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* ---------------------------------------------------------------------------------------------
 * Streaming INT8 inference. The state is caller-owned, mn_state_size() bytes, 4-byte aligned:
 *   model_crc  uint32              the model it was reset for (a state is bound to one model)
 *   steps      uint32              steps since reset
 *   pool_sum   int32 (D)           sum of the last residual stream over steps since reset; when
 *                                  steps reaches 2^23, sum and steps are both halved (mean kept)
 *   ssm_state  int16 (L, E, N)
 *   conv_state int8  (L, K-1, E)   last K-1 xi frames, oldest first
 * Scratch is caller-owned, mn_scratch_size() bytes, 4-byte aligned; its contents do not
 * outlive a call. Reset is explicit: a state must be reset once before its first step.
 * -------------------------------------------------------------------------------------------*/
size_t mn_state_size(const mn_model *model);
size_t mn_scratch_size(const mn_model *model);

mn_status mn_state_reset(const mn_model *model, void *state, size_t state_size);

/* Advance by one frame. features: (F) int8 from the model's front-end. */
mn_status mn_step_s8(const mn_model *model, void *state, size_t state_size, void *scratch,
                     size_t scratch_size, const int8_t *features);

/* Classifier on the mean-pooled residual stream so far: logits_q8 (C) = real logit * 256. */
mn_status mn_logits_q8(const mn_model *model, const void *state, size_t state_size,
                       int32_t *logits_q8);

/* Number of steps since the last reset (0 if the state is not valid for this model). */
uint32_t mn_state_steps(const mn_model *model, const void *state, size_t state_size);

/* Read-only views into a state, for tests and tools. NULL if out of range. */
const int8_t *mn_state_conv(const mn_model *model, const void *state, int layer); /* (K-1, E) */
const int16_t *mn_state_ssm(const mn_model *model, const void *state, int layer); /* (E, N) */
const int32_t *mn_state_pool_sum(const mn_model *model, const void *state);       /* (D) */

/* Softmax of Q8 logits into Q15 probabilities (sum within n of 32768), with the model's exp2 LUT.
 * Returns the argmax class. probs_q15 may be NULL. */
int mn_softmax_q15(const mn_model *model, const int32_t *logits_q8, uint16_t *probs_q15);

/* ---------------------------------------------------------------------------------------------
 * Float reference (host only: tests, tools, benchmark baseline). Dequantizes the weights of a
 * loaded model once into a caller-owned float arena, then steps in fp32 with libm's expf/log1pf.
 * The float state mirrors the int8 one: conv_state (L, K-1, E), ssm_state (L, E, N), pool_sum (D).
 * -------------------------------------------------------------------------------------------*/
typedef struct mnf_model mnf_model;

/* MN_OK if the float reference can run this model; MN_ERR_LEAN for a lean file (its f32 tensors
 * are absent: use the full file), MN_ERR_NOT_LOADED / MN_ERR_ARG otherwise. mnf_arena_size()
 * returns 0 and mnf_model_init() NULL for any model this does not accept. */
mn_status mnf_model_status(const mn_model *model);
size_t mnf_arena_size(const mn_model *model); /* bytes, includes the mnf_model */
mnf_model *mnf_model_init(const mn_model *model, void *arena, size_t arena_size);
size_t mnf_state_size(const mnf_model *model);
size_t mnf_scratch_size(const mnf_model *model);
void mnf_state_reset(const mnf_model *model, void *state);
/* features: (F) real-valued (already dequantized from int8 by the caller, or the raw float). */
void mnf_step(const mnf_model *model, void *state, void *scratch, const float *features);
void mnf_logits(const mnf_model *model, const void *state, float *logits);        /* (C) */
const float *mnf_state_ssm(const mnf_model *model, const void *state, int layer); /* (E, N) */
const float *mnf_state_pool_sum(const mnf_model *model, const void *state);       /* (D) */
uint32_t mnf_state_steps(const mnf_model *model, const void *state);

#ifdef __cplusplus
}
#endif
#endif /* MAMBA_NANO_H */
