/*
 * mn_model.c — the model-file loader: CRC-32, validation of the whole file, and the copy into the
 * caller's arena that fills every mn_model / mn_layer pointer (format in mamba_nano.h).
 *
 * What this is: the one gate between untrusted bytes and the int8 kernel. Every check the kernel's
 * overflow analysis relies on (rq shifts, bias ranges, exp2 table, SSM parameters) is made here,
 * once, so mn_step_s8() can index and shift without re-checking.
 * What this is not: a general container reader. One table (mn_kinds) says, for every tensor kind,
 * its dtype, whether it is per layer, its shape as a function of the dims (those three from the
 * contract: MN_TENSOR_KINDS in mn_contract.h), how its values are range-checked and which
 * mn_model / mn_layer field it fills; validation and loading both walk it. One kind has a second
 * admitted shape: A2 may be (H, 1) instead of (E, N) (scalar-A heads, minor >= 2, H dividing E;
 * mn_scalar_a_heads), which also sets mn_layer.a_heads.
 *
 * Rules: the input file may sit at any address (all reads are bytewise little-endian); nothing is
 * written to *model or the arena until the whole file has been validated; no malloc, no mutable
 * globals, no float arithmetic (f32 tensors are checked as uint32 bit patterns).
 *
 * Symbols: F features, D d_model, E d_inner, N d_state, R dt_rank, K d_conv, L layers, C classes.
 */
#include <stddef.h>
#include <string.h>

#include "mamba_nano.h"
#include "mn_frontend.h"

/* The arena is the file's bytes read in place, so the target must store integers little-endian
 * like the file (true of the ESP32-S3 and every host we build on). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "mn_model.c reads the model in place: it needs a little-endian target"
#endif

/* mn_rq is read in place from (rows, 2) int32 tensors. */
typedef char
    mn_assert_rq_is_two_int32[(sizeof(mn_rq) == 8 && offsetof(mn_rq, shift) == 4) ? 1 : -1];

/* Legal ranges the kernel relies on (see mn_step_s8.c and mamba_nano.h). */
#define MN_RQ_SHIFT_MAX 62
#define MN_BIAS_LIMIT ((int32_t)1 << 30) /* |bias| < 2^30 keeps every int32 accumulator < 2^31 */
#define MN_FRAC_BITS_MAX 16              /* delta_frac_bits, a2_frac_bits */
#define MN_EXP2_ONE 32768u               /* exp2_lut[i] <= 2^15 keeps dA * h within 2^30 */
#define MN_F32_EXP_MASK 0x7F800000u      /* all exponent bits set: inf or NaN */
#define MN_F32_SIGN_MASK 0x80000000u

/* ------------------------------------------------------------------------------------------- */
/* CRC-32 and status names                                                                      */
/* ------------------------------------------------------------------------------------------- */

uint32_t mn_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    if (data == NULL) {
        return crc;
    }
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u))); /* reflected IEEE polynomial */
        }
    }
    return ~crc;
}

const char *mn_status_message(mn_status status)
{
    switch (status) {
#define MN_STATUS_CASE(code, message) \
    case code: return message;
        MN_STATUS_MESSAGES(MN_STATUS_CASE)
#undef MN_STATUS_CASE
    }
    return "unknown status";
}

/* ------------------------------------------------------------------------------------------- */
/* Bytewise little-endian reads (the file may be at any address)                                */
/* ------------------------------------------------------------------------------------------- */

static uint16_t mn_rd_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t mn_rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int32_t mn_rd_i32(const uint8_t *p)
{
    const uint32_t u = mn_rd_u32(p);
    int32_t v;
    memcpy(&v, &u,
           sizeof v); /* two's complement reinterpretation without implementation-defined casts */
    return v;
}

/* ------------------------------------------------------------------------------------------- */
/* The kind table                                                                               */
/* ------------------------------------------------------------------------------------------- */

/* A tensor dim as a function of the model dims. */
typedef enum {
    MN_SYM_1 = 1,
    MN_SYM_2,
    MN_SYM_3,
    MN_SYM_NAME,
    MN_SYM_LUT256,
    MN_SYM_EXP2,
    MN_SYM_ACT,
    MN_SYM_F,
    MN_SYM_D,
    MN_SYM_E,
    MN_SYM_2E,
    MN_SYM_N,
    MN_SYM_R,
    MN_SYM_R2N,
    MN_SYM_K,
    MN_SYM_C
} mn_sym;

/* How a tensor lands in mn_model / mn_layer. */
typedef enum {
    MN_VIEW_S8 = 1,     /* const int8_t *   */
    MN_VIEW_CHAR,       /* const char *     */
    MN_VIEW_U16,        /* const uint16_t * */
    MN_VIEW_S32,        /* const int32_t *  */
    MN_VIEW_RQ,         /* const mn_rq *    */
    MN_VIEW_F32,        /* const float *    */
    MN_VIEW_RQ_VALUE,   /* mn_rq copied by value (gate_rq, res_rq) */
    MN_VIEW_SSM_PARAMS, /* delta_frac_bits, a2_frac_bits, exp_shift */
    MN_VIEW_INPUT_QUANT /* input_scale, input_zero_point */
} mn_view;

/* Which value-range check a tensor gets (MN_ERR_PARAM). */
typedef enum {
    MN_CHECK_NONE = 0,
    MN_CHECK_RQ,         /* every shift in [0, 62] */
    MN_CHECK_BIAS,       /* every |b| < 2^30 */
    MN_CHECK_F32,        /* every value finite */
    MN_CHECK_NAMES,      /* every row NUL-terminated within MN_CLASS_NAME_BYTES */
    MN_CHECK_EXP2,       /* entries <= 2^15, non-increasing, first > 0 */
    MN_CHECK_SSM,        /* frac bits in [0, 16], exp_shift = sum - MN_EXP2_FRAC_BITS >= 0 */
    MN_CHECK_A2,         /* every entry < 2^15, so delta * a2 + rounding fits uint32 */
    MN_CHECK_INPUT_QUANT /* finite, scale > 0 */
} mn_check;

typedef struct {
    uint8_t dtype;      /* mn_dtype; 0 marks a kind value this build does not know */
    uint8_t per_layer;  /* 1: one per layer (layer < L); 0: global (layer 0) */
    uint8_t dim0, dim1; /* mn_sym */
    uint8_t view;       /* mn_view */
    uint8_t check;      /* mn_check */
    uint16_t field;     /* offsetof the field in mn_model (global) or mn_layer (per layer) */
} mn_kind_info;

#define MN_KIND_LIMIT (MN_T_ACT_SCALES + 1)

/* How each kind lands in the model: MN_BIND_<kind> = view, check, the mn_model (global kinds) or
 * mn_layer (per-layer kinds) field it fills. Its dtype, scope and shape are the contract's
 * (MN_TENSOR_KINDS in mn_contract.h); a kind without a binding, or bound to a field of the other
 * struct, does not compile. */
#define MN_BIND_CLASS_NAMES CHAR, NAMES, class_names
#define MN_BIND_INPUT_QUANT INPUT_QUANT, INPUT_QUANT, input_scale
#define MN_BIND_EXP2_LUT U16, EXP2, exp2_lut
#define MN_BIND_IN_W S8, NONE, in_w
#define MN_BIND_IN_B S32, BIAS, in_b
#define MN_BIND_IN_RQ RQ, RQ, in_rq
#define MN_BIND_IN_WSCALE F32, F32, in_wscale
#define MN_BIND_IN_BF F32, F32, in_bf
#define MN_BIND_CLS_W S8, NONE, cls_w
#define MN_BIND_CLS_B S32, BIAS, cls_b
#define MN_BIND_CLS_RQ RQ, RQ, cls_rq
#define MN_BIND_CLS_WSCALE F32, F32, cls_wscale
#define MN_BIND_CLS_BF F32, F32, cls_bf
#define MN_BIND_POOL_SCALE F32, F32, pool_scale
#define MN_BIND_IN_PROJ_W S8, NONE, in_proj_w
#define MN_BIND_IN_PROJ_B S32, BIAS, in_proj_b
#define MN_BIND_IN_PROJ_RQ RQ, RQ, in_proj_rq
#define MN_BIND_IN_PROJ_WSCALE F32, F32, in_proj_wscale
#define MN_BIND_IN_PROJ_BF F32, F32, in_proj_bf
#define MN_BIND_CONV_W S8, NONE, conv_w
#define MN_BIND_CONV_B S32, BIAS, conv_b
#define MN_BIND_CONV_RQ RQ, RQ, conv_rq
#define MN_BIND_CONV_WSCALE F32, F32, conv_wscale
#define MN_BIND_CONV_BF F32, F32, conv_bf
#define MN_BIND_SILU_X_LUT S8, NONE, silu_x_lut
#define MN_BIND_X_PROJ_W S8, NONE, x_proj_w
#define MN_BIND_X_PROJ_RQ RQ, RQ, x_proj_rq
#define MN_BIND_X_PROJ_WSCALE F32, F32, x_proj_wscale
#define MN_BIND_DT_PROJ_W S8, NONE, dt_proj_w
#define MN_BIND_DT_PROJ_B S32, BIAS, dt_proj_b
#define MN_BIND_DT_PROJ_RQ RQ, RQ, dt_proj_rq
#define MN_BIND_DT_PROJ_WSCALE F32, F32, dt_proj_wscale
#define MN_BIND_DT_PROJ_BF F32, F32, dt_proj_bf
#define MN_BIND_SOFTPLUS_LUT U16, NONE, softplus_lut
#define MN_BIND_A2 U16, A2, a2
#define MN_BIND_SSM_PARAMS SSM_PARAMS, SSM, delta_frac_bits
#define MN_BIND_DBX_RQ RQ, RQ, dbx_rq
#define MN_BIND_Y_RQ RQ, RQ, y_rq
#define MN_BIND_D_RQ RQ, RQ, d_rq
#define MN_BIND_D_F F32, F32, d_f
#define MN_BIND_STATE_SCALE F32, F32, state_scale
#define MN_BIND_SILU_Z_LUT S8, NONE, silu_z_lut
#define MN_BIND_GATE_RQ RQ_VALUE, RQ, gate_rq
#define MN_BIND_OUT_PROJ_W S8, NONE, out_proj_w
#define MN_BIND_OUT_PROJ_B S32, BIAS, out_proj_b
#define MN_BIND_OUT_PROJ_RQ RQ, RQ, out_proj_rq
#define MN_BIND_OUT_PROJ_WSCALE F32, F32, out_proj_wscale
#define MN_BIND_OUT_PROJ_BF F32, F32, out_proj_bf
#define MN_BIND_RES_RQ RQ_VALUE, RQ, res_rq
#define MN_BIND_ACT_SCALES F32, F32, act_scales

/* One mn_kinds entry: scope G fills an mn_model field, L an mn_layer field. */
#define MN_KIND_G(dt, d0, d1, view, check, member)                                    \
    {                                                                                 \
        MN_DTYPE_##dt, 0, MN_SYM_##d0, MN_SYM_##d1, MN_VIEW_##view, MN_CHECK_##check, \
            offsetof(mn_model, member)                                                \
    }
#define MN_KIND_L(dt, d0, d1, view, check, member)                                    \
    {                                                                                 \
        MN_DTYPE_##dt, 1, MN_SYM_##d0, MN_SYM_##d1, MN_VIEW_##view, MN_CHECK_##check, \
            offsetof(mn_layer, member)                                                \
    }
#define MN_KIND_EXPAND(entry, args) entry args /* expands MN_BIND_<kind> into arguments first */
#define MN_KIND_ENTRY(kind, scope, dt, d0, d1) \
    [MN_T_##kind] = MN_KIND_EXPAND(MN_KIND_##scope, (dt, d0, d1, MN_BIND_##kind)),

static const mn_kind_info mn_kinds[MN_KIND_LIMIT] = {MN_TENSOR_KINDS(MN_KIND_ENTRY)};

#undef MN_KIND_G
#undef MN_KIND_L
#undef MN_KIND_EXPAND
#undef MN_KIND_ENTRY

/* The file header, parsed (field meanings in mamba_nano.h). */
typedef struct {
    uint16_t version_major, version_minor;
    uint32_t header_size, file_size, crc32;
    uint8_t task, frontend, pooling, n_layers;
    uint16_t n_features, d_model, d_inner, d_state, dt_rank, d_conv, n_classes, n_tensors;
    uint32_t table_offset;
    uint32_t flags; /* 0 for a 1.0 file (its reserved bytes are not read) */
} mn_header;

/* One tensor table entry, parsed. */
typedef struct {
    uint8_t kind, layer, dtype;
    uint16_t dim0, dim1;
    uint32_t offset, nbytes;
} mn_entry;

static void mn_parse_header(const uint8_t *p, mn_header *h)
{
    h->version_major = mn_rd_u16(p + 4);
    h->version_minor = mn_rd_u16(p + 6);
    h->header_size = mn_rd_u32(p + 8);
    h->file_size = mn_rd_u32(p + 12);
    h->crc32 = mn_rd_u32(p + 16);
    h->task = p[MN_HEADER_TASK_OFFSET];
    h->frontend = p[21];
    h->pooling = p[22];
    h->n_layers = p[23];
    h->n_features = mn_rd_u16(p + 24);
    h->d_model = mn_rd_u16(p + 26);
    h->d_inner = mn_rd_u16(p + 28);
    h->d_state = mn_rd_u16(p + 30);
    h->dt_rank = mn_rd_u16(p + 32);
    h->d_conv = mn_rd_u16(p + 34);
    h->n_classes = mn_rd_u16(p + 36);
    h->n_tensors = mn_rd_u16(p + 38);
    h->table_offset = mn_rd_u32(p + 40);
    h->flags = h->version_minor >= 1 ? mn_rd_u32(p + MN_HEADER_FLAGS_OFFSET) : 0u;
}

/* A kind only the float reference and the tools read: every f32 kind. A lean file has none. */
static int mn_pc_only(const mn_kind_info *k) { return k->dtype == MN_DTYPE_F32; }

static void mn_parse_entry(const uint8_t *file, const mn_header *h, uint32_t i, mn_entry *e)
{
    const uint8_t *p = file + h->table_offset + (size_t)i * MN_TENSOR_ENTRY_SIZE;
    e->kind = p[0];
    e->layer = p[1];
    e->dtype = p[2];
    e->dim0 = mn_rd_u16(p + 4);
    e->dim1 = mn_rd_u16(p + 6);
    e->offset = mn_rd_u32(p + 8);
    e->nbytes = mn_rd_u32(p + 12);
}

/* The kind's table row, or NULL for a kind this build does not know. */
static const mn_kind_info *mn_kind(uint8_t kind)
{
    return (kind < MN_KIND_LIMIT && mn_kinds[kind].dtype != 0) ? &mn_kinds[kind] : NULL;
}

static uint32_t mn_sym_value(uint8_t sym, const mn_header *h)
{
    switch ((mn_sym)sym) {
    case MN_SYM_1: return 1;
    case MN_SYM_2: return 2;
    case MN_SYM_3: return 3;
    case MN_SYM_NAME: return MN_CLASS_NAME_BYTES;
    case MN_SYM_LUT256: return 256;
    case MN_SYM_EXP2: return MN_EXP2_LUT_SIZE;
    case MN_SYM_ACT: return MN_ACT_COUNT;
    case MN_SYM_F: return h->n_features;
    case MN_SYM_D: return h->d_model;
    case MN_SYM_E: return h->d_inner;
    case MN_SYM_2E: return 2u * h->d_inner;
    case MN_SYM_N: return h->d_state;
    case MN_SYM_R: return h->dt_rank;
    case MN_SYM_R2N: return (uint32_t)h->dt_rank + 2u * h->d_state;
    case MN_SYM_K: return h->d_conv;
    case MN_SYM_C: return h->n_classes;
    }
    return 0;
}

static uint32_t mn_dtype_size(uint8_t dtype)
{
    switch ((mn_dtype)dtype) {
    case MN_DTYPE_I8:
    case MN_DTYPE_U8: return 1;
    case MN_DTYPE_I16:
    case MN_DTYPE_U16: return 2;
    case MN_DTYPE_I32:
    case MN_DTYPE_F32: return 4;
    }
    return 0;
}

static int mn_in_range(uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi; }

/* ------------------------------------------------------------------------------------------- */
/* Validation                                                                                   */
/* ------------------------------------------------------------------------------------------- */

/* Magic, version, header layout and declared size; fills *h. */
static mn_status mn_check_header(const uint8_t *file, size_t file_size, mn_header *h)
{
    if (file == NULL) {
        return MN_ERR_ARG;
    }
    if (file_size < MN_HEADER_SIZE) {
        return MN_ERR_TRUNCATED;
    }
    if (memcmp(file, MN_MAGIC, 4) != 0) {
        return MN_ERR_MAGIC;
    }
    mn_parse_header(file, h);
    if (h->version_major != MN_VERSION_MAJOR) {
        return MN_ERR_VERSION;
    }
    /* A newer minor may grow the header; ours is exactly MN_HEADER_SIZE. */
    if (h->header_size < MN_HEADER_SIZE ||
        (h->version_minor <= MN_VERSION_MINOR && h->header_size != MN_HEADER_SIZE)) {
        return MN_ERR_VERSION;
    }
    /* The header knows the length: a file cut short and one with bytes appended are refused. */
    if (h->file_size < h->header_size || h->file_size > file_size) {
        return MN_ERR_TRUNCATED;
    }
    if (h->file_size < file_size) {
        return MN_ERR_TRAILING;
    }
    /* Flag bits of a newer minor are not ours to read; in ours, only MN_FLAG_LEAN exists. */
    if (h->version_minor <= MN_VERSION_MINOR && (h->flags & ~MN_FLAG_LEAN) != 0) {
        return MN_ERR_VERSION;
    }
    return MN_OK;
}

static mn_status mn_check_dims(const mn_header *h)
{
    const int ok =
        mn_in_range(h->task, MN_TASK_HAR, MN_TASK_KWS) &&
        mn_in_range(h->frontend, MN_FRONTEND_IMU, MN_FRONTEND_RAW) && h->pooling == MN_POOL_MEAN &&
        mn_in_range(h->n_layers, 1, MN_MAX_LAYERS) &&
        mn_in_range(h->n_features, 1, MN_MAX_FEATURES) &&
        mn_in_range(h->d_model, 1, MN_MAX_D_MODEL) && mn_in_range(h->d_inner, 1, MN_MAX_D_INNER) &&
        mn_in_range(h->d_state, 1, MN_MAX_D_STATE) && mn_in_range(h->dt_rank, 1, MN_MAX_DT_RANK) &&
        mn_in_range(h->d_conv, 1, MN_MAX_D_CONV) && mn_in_range(h->n_classes, 1, MN_MAX_CLASSES);
    /* A front-end fixes the feature count: its frames are what the model steps on. */
    const int features_ok =
        (h->frontend != MN_FRONTEND_IMU || h->n_features == MN_IMU_FEATURES) &&
        (h->frontend != MN_FRONTEND_LOGMEL || h->n_features == MN_LOGMEL_FEATURES);
    return ok && features_ok ? MN_OK : MN_ERR_DIMS;
}

/* H of an A2 entry with scalar-A heads (mamba_nano.h): shape (H, 1) other than (E, N), H dividing
 * E, in a file of minor >= MN_SCALAR_A_MINOR; 0 for any other entry (its shape is the table's). */
static uint16_t mn_scalar_a_heads(const mn_entry *e, const mn_header *h)
{
    const int is_en = e->dim0 == h->d_inner && e->dim1 == h->d_state;
    if (e->kind != MN_T_A2 || is_en || h->version_minor < MN_SCALAR_A_MINOR || e->dim1 != 1 ||
        e->dim0 == 0 || e->dim0 > h->d_inner || h->d_inner % e->dim0 != 0) {
        return 0;
    }
    return e->dim0;
}

/* One entry of a known kind: dtype, shape, size, alignment and bounds. */
static mn_status mn_check_entry(const mn_entry *e, const mn_kind_info *k, const mn_header *h,
                                uint64_t table_end)
{
    const uint64_t expect_bytes = (uint64_t)e->dim0 * e->dim1 * mn_dtype_size(e->dtype);
    const int table_shape =
        e->dim0 == mn_sym_value(k->dim0, h) && e->dim1 == mn_sym_value(k->dim1, h);
    if (e->dtype != k->dtype || !(table_shape || mn_scalar_a_heads(e, h) != 0) ||
        e->nbytes != expect_bytes) {
        return MN_ERR_TENSOR_SHAPE;
    }
    if (e->offset % MN_TENSOR_ALIGN != 0) {
        return MN_ERR_ALIGN;
    }
    const uint64_t end = (uint64_t)e->offset + e->nbytes;
    if (end > UINT32_MAX) {
        return MN_ERR_OVERFLOW;
    }
    /* nbytes > 0 here (every dim >= 1), so [offset, end) is non-empty. */
    if (end > h->file_size || e->offset < h->header_size ||
        (e->offset < table_end && end > h->table_offset)) {
        return MN_ERR_TENSOR_BOUNDS;
    }
    return MN_OK;
}

/* Value ranges of one structurally valid tensor; data points at its first byte in the file. */
static mn_status mn_check_values(const uint8_t *data, const mn_entry *e, const mn_kind_info *k)
{
    const uint32_t count = (uint32_t)e->dim0 * e->dim1;
    switch ((mn_check)k->check) {
    case MN_CHECK_NONE: return MN_OK;
    case MN_CHECK_RQ: /* (rows, 2) {mult, shift} */
        for (uint32_t r = 0; r < e->dim0; r++) {
            const int32_t shift = mn_rd_i32(data + 8u * r + 4u);
            if (shift < 0 || shift > MN_RQ_SHIFT_MAX) {
                return MN_ERR_PARAM;
            }
        }
        return MN_OK;
    case MN_CHECK_BIAS:
        for (uint32_t i = 0; i < count; i++) {
            const int32_t b = mn_rd_i32(data + 4u * i);
            if (b <= -MN_BIAS_LIMIT || b >= MN_BIAS_LIMIT) {
                return MN_ERR_PARAM;
            }
        }
        return MN_OK;
    case MN_CHECK_F32:
        for (uint32_t i = 0; i < count; i++) {
            if ((mn_rd_u32(data + 4u * i) & MN_F32_EXP_MASK) == MN_F32_EXP_MASK) {
                return MN_ERR_PARAM;
            }
        }
        return MN_OK;
    case MN_CHECK_INPUT_QUANT: { /* {scale, zero_point}: both finite, scale > 0 */
        const uint32_t scale = mn_rd_u32(data);
        const uint32_t zero_point = mn_rd_u32(data + 4);
        if ((scale & MN_F32_EXP_MASK) == MN_F32_EXP_MASK ||
            (zero_point & MN_F32_EXP_MASK) == MN_F32_EXP_MASK || (scale & MN_F32_SIGN_MASK) != 0 ||
            scale == 0) {
            return MN_ERR_PARAM;
        }
        return MN_OK;
    }
    case MN_CHECK_NAMES:
        for (uint32_t c = 0; c < e->dim0; c++) {
            if (memchr(data + (size_t)c * MN_CLASS_NAME_BYTES, 0, MN_CLASS_NAME_BYTES) == NULL) {
                return MN_ERR_PARAM;
            }
        }
        return MN_OK;
    case MN_CHECK_EXP2: { /* 2^-p needs exp2_lut[0] > 0 (softmax divides by a sum including it) */
        uint32_t prev = MN_EXP2_ONE;
        if (mn_rd_u16(data) == 0) {
            return MN_ERR_PARAM;
        }
        for (uint32_t i = 0; i < count; i++) {
            const uint32_t v = mn_rd_u16(data + 2u * i);
            if (v > prev) {
                return MN_ERR_PARAM;
            }
            prev = v;
        }
        return MN_OK;
    }
    case MN_CHECK_A2:
        for (uint32_t i = 0; i < count; i++) {
            if (mn_rd_u16(data + 2u * i) > 0x7FFFu) {
                return MN_ERR_PARAM;
            }
        }
        return MN_OK;
    case MN_CHECK_SSM: { /* exp_shift in [0, 22] follows from the frac-bit ranges: a uint32 shift */
        const int32_t delta_frac_bits = mn_rd_i32(data);
        const int32_t a2_frac_bits = mn_rd_i32(data + 4);
        const int32_t exp_shift = mn_rd_i32(data + 8);
        if (delta_frac_bits < 0 || delta_frac_bits > MN_FRAC_BITS_MAX || a2_frac_bits < 0 ||
            a2_frac_bits > MN_FRAC_BITS_MAX || exp_shift < 0 ||
            exp_shift != delta_frac_bits + a2_frac_bits - MN_EXP2_FRAC_BITS) {
            return MN_ERR_PARAM;
        }
        return MN_OK;
    }
    }
    return MN_ERR_PARAM;
}

/* The whole file; on MN_OK, *h is its header. Reads only, writes nothing but *h. */
static mn_status mn_validate(const uint8_t *file, size_t file_size, mn_header *h)
{
    mn_status st = mn_check_header(file, file_size, h);
    if (st != MN_OK) {
        return st;
    }
    if (mn_crc32(0, file + MN_CRC_START, h->file_size - MN_CRC_START) != h->crc32) {
        return MN_ERR_CRC;
    }
    st = mn_check_dims(h);
    if (st != MN_OK) {
        return st;
    }

    const uint64_t table_end =
        (uint64_t)h->table_offset + (uint64_t)h->n_tensors * MN_TENSOR_ENTRY_SIZE;
    if (table_end > UINT32_MAX) {
        return MN_ERR_OVERFLOW;
    }
    if (h->table_offset < h->header_size || table_end > h->file_size) {
        return MN_ERR_TENSOR_TABLE;
    }

    /* seen[kind]: bit l set once the tensor of layer l (bit 0 for globals) has been read. */
    uint8_t seen[MN_KIND_LIMIT];
    memset(seen, 0, sizeof seen);
    const int newer_minor = h->version_minor > MN_VERSION_MINOR;
    const int lean = (h->flags & MN_FLAG_LEAN) != 0;
    for (uint32_t i = 0; i < h->n_tensors; i++) {
        mn_entry e;
        mn_parse_entry(file, h, i, &e);
        const mn_kind_info *k = mn_kind(e.kind);
        if (k == NULL) {
            if (newer_minor) {
                continue; /* a kind added by a newer minor version: not ours to read */
            }
            return MN_ERR_TENSOR_TABLE;
        }
        if (k->per_layer ? e.layer >= h->n_layers : e.layer != 0) {
            return MN_ERR_TENSOR_TABLE;
        }
        if (lean && mn_pc_only(k)) {
            return MN_ERR_TENSOR_TABLE; /* a lean file says it has no PC-only tensor */
        }
        const uint8_t bit = (uint8_t)(1u << e.layer);
        if (seen[e.kind] & bit) {
            return MN_ERR_TENSOR_TABLE;
        }
        seen[e.kind] |= bit;
        st = mn_check_entry(&e, k, h, table_end);
        if (st != MN_OK) {
            return st;
        }
    }

    const uint8_t all_layers = (uint8_t)((1u << h->n_layers) - 1u);
    for (uint32_t kind = 0; kind < MN_KIND_LIMIT; kind++) {
        if (mn_kinds[kind].dtype != 0 && !(lean && mn_pc_only(&mn_kinds[kind])) &&
            seen[kind] != (mn_kinds[kind].per_layer ? all_layers : 1u)) {
            return MN_ERR_TENSOR_MISSING;
        }
    }

    for (uint32_t i = 0; i < h->n_tensors; i++) {
        mn_entry e;
        mn_parse_entry(file, h, i, &e);
        const mn_kind_info *k = mn_kind(e.kind);
        if (k != NULL) {
            st = mn_check_values(file + e.offset, &e, k);
            if (st != MN_OK) {
                return st;
            }
        }
    }
    return MN_OK;
}

/* ------------------------------------------------------------------------------------------- */
/* Public API                                                                                   */
/* ------------------------------------------------------------------------------------------- */

size_t mn_model_struct_size(void) { return sizeof(mn_model); }

size_t mn_model_arena_size(const uint8_t *file, size_t file_size)
{
    mn_header h;
    if (mn_check_header(file, file_size, &h) != MN_OK) {
        return 0;
    }
    const size_t size = (size_t)h.file_size + (MN_TENSOR_ALIGN - 1); /* room to align the start */
    return size < h.file_size ? 0 : size; /* 0 if it wrapped (a 32-bit size_t) */
}

mn_status mn_model_validate(const uint8_t *file, size_t file_size)
{
    mn_header h;
    return mn_validate(file, file_size, &h);
}

mn_status mn_model_buffer_sizes(const uint8_t *file, size_t file_size, size_t *arena_size,
                                size_t *state_size, size_t *scratch_size)
{
    if (arena_size == NULL || state_size == NULL || scratch_size == NULL) {
        return MN_ERR_ARG;
    }
    mn_header h;
    const mn_status st = mn_validate(file, file_size, &h);
    if (st != MN_OK) {
        return st;
    }
    mn_model dims; /* dims only: what the size functions read */
    memset(&dims, 0, sizeof dims);
    dims.n_layers = h.n_layers;
    dims.n_features = h.n_features;
    dims.d_model = h.d_model;
    dims.d_inner = h.d_inner;
    dims.d_state = h.d_state;
    dims.dt_rank = h.dt_rank;
    dims.d_conv = h.d_conv;
    dims.n_classes = h.n_classes;
    *arena_size = mn_model_arena_size(file, file_size);
    *state_size = mn_state_size(&dims);
    *scratch_size = mn_scratch_size(&dims);
    return MN_OK;
}

/* Store a typed pointer to data into the mn_model / mn_layer field at slot. */
static void mn_fill(uint8_t *slot, const uint8_t *data, const mn_kind_info *k, mn_layer *layer,
                    mn_model *model)
{
    switch ((mn_view)k->view) {
    case MN_VIEW_S8: {
        const int8_t *p = (const int8_t *)data;
        memcpy(slot, &p, sizeof p);
        return;
    }
    case MN_VIEW_CHAR: {
        const char *p = (const char *)data;
        memcpy(slot, &p, sizeof p);
        return;
    }
    case MN_VIEW_U16: {
        const uint16_t *p = (const uint16_t *)(const void *)data;
        memcpy(slot, &p, sizeof p);
        return;
    }
    case MN_VIEW_S32: {
        const int32_t *p = (const int32_t *)(const void *)data;
        memcpy(slot, &p, sizeof p);
        return;
    }
    case MN_VIEW_RQ: {
        const mn_rq *p = (const mn_rq *)(const void *)data;
        memcpy(slot, &p, sizeof p);
        return;
    }
    case MN_VIEW_F32: {
        const float *p = (const float *)(const void *)data;
        memcpy(slot, &p, sizeof p);
        return;
    }
    case MN_VIEW_RQ_VALUE: {
        mn_rq rq;
        rq.mult = mn_rd_i32(data);
        rq.shift = mn_rd_i32(data + 4);
        memcpy(slot, &rq, sizeof rq);
        return;
    }
    case MN_VIEW_SSM_PARAMS:
        layer->delta_frac_bits = mn_rd_i32(data);
        layer->a2_frac_bits = mn_rd_i32(data + 4);
        layer->exp_shift = mn_rd_i32(data + 8);
        return;
    case MN_VIEW_INPUT_QUANT:
        memcpy(&model->input_scale, data, sizeof model->input_scale);
        memcpy(&model->input_zero_point, data + 4, sizeof model->input_zero_point);
        return;
    }
}

/* Fill *model from a validated file at base (its header h): every pointer points into base. */
static void mn_model_bind(mn_model *model, const uint8_t *base, const mn_header *h)
{
    memset(model, 0, sizeof *model);
    model->version_minor = h->version_minor;
    model->task = h->task;
    model->frontend = h->frontend;
    model->pooling = h->pooling;
    model->n_layers = h->n_layers;
    model->n_features = h->n_features;
    model->d_model = h->d_model;
    model->d_inner = h->d_inner;
    model->d_state = h->d_state;
    model->dt_rank = h->dt_rank;
    model->d_conv = h->d_conv;
    model->n_classes = h->n_classes;
    model->crc32 = h->crc32;
    model->flags = h->flags & MN_FLAG_LEAN;
    for (uint32_t i = 0; i < h->n_tensors; i++) {
        mn_entry e;
        mn_parse_entry(base, h, i, &e);
        const mn_kind_info *k = mn_kind(e.kind);
        if (k == NULL) {
            continue;
        }
        mn_layer *layer = &model->layers[e.layer];
        uint8_t *slot = (k->per_layer ? (uint8_t *)layer : (uint8_t *)model) + k->field;
        mn_fill(slot, base + e.offset, k, layer, model);
        if (e.kind == MN_T_A2) {
            layer->a_heads = mn_scalar_a_heads(&e, h);
        }
    }
}

mn_status mn_model_load(mn_model *model, void *arena, size_t arena_size, const uint8_t *file,
                        size_t file_size)
{
    if (model == NULL || arena == NULL || file == NULL) {
        return MN_ERR_ARG;
    }
    mn_header h;
    const mn_status st = mn_validate(file, file_size, &h);
    if (st != MN_OK) {
        return st;
    }
    const size_t pad = (size_t)((0u - (uintptr_t)arena) & (MN_TENSOR_ALIGN - 1u));
    if (arena_size < pad || arena_size - pad < h.file_size) {
        return MN_ERR_ARENA_TOO_SMALL;
    }

    /* Everything is valid: from here on nothing can fail. memmove: the file may be in the arena. */
    uint8_t *base = (uint8_t *)arena + pad;
    memmove(base, file, h.file_size);
    mn_model_bind(model, base, &h);
    return MN_OK;
}

mn_status mn_model_load_in_place(mn_model *model, const uint8_t *file, size_t file_size)
{
    if (model == NULL || file == NULL) {
        return MN_ERR_ARG;
    }
    mn_header h;
    const mn_status st = mn_validate(file, file_size, &h);
    if (st != MN_OK) {
        return st;
    }
    if (((uintptr_t)file & (MN_IN_PLACE_ALIGN - 1u)) != 0) {
        return MN_ERR_ALIGN;
    }
    mn_model_bind(model, file, &h);
    return MN_OK;
}

const char *mn_class_name(const mn_model *model, int c)
{
    if (model == NULL || model->class_names == NULL || c < 0 || c >= model->n_classes) {
        return "";
    }
    return model->class_names + (size_t)c * MN_CLASS_NAME_BYTES;
}
