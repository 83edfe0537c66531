/*
 * fuzz_loader.c — libFuzzer target for the model-file loader (mn_model.c).
 *
 * Each input is tried twice: as given (reaching the header and CRC checks), and with its CRC
 * recomputed (so mutations reach the dims, table, tensor and parameter checks behind the CRC).
 * For each: mn_model_validate() and mn_model_load() must agree; on success every class name must be
 * a NUL-terminated string inside the arena and every tensor pointer must lie, whole and 16-byte
 * aligned, inside the arena (the f32 ones NULL in a lean file); every byte it covers is read
 * (ASan catches a read outside it).
 * Anything else traps, and libFuzzer records the input as a crash.
 *
 * Build and run: tools/scripts/fuzz_loader.sh [seconds]. Inputs longer than MN_FUZZ_MAX_LEN are ignored
 * (the script passes -max_len to match).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mamba_nano.h"

#define MN_FUZZ_MAX_LEN (64 * 1024)

/* Harness buffers (not library state): the CRC-fixed copy and the arena, reused across inputs. */
static uint8_t fuzz_copy[MN_FUZZ_MAX_LEN];
static uint8_t fuzz_arena[MN_FUZZ_MAX_LEN + 2 * MN_TENSOR_ALIGN];

#define FUZZ_CHECK(cond)      \
    do {                      \
        if (!(cond)) {        \
            __builtin_trap(); \
        }                     \
    } while (0)

typedef struct {
    const uint8_t *lo, *hi; /* the loaded file inside the arena */
    uint32_t sum;           /* keeps the reads from being optimized away */
} walk_ctx;

/* count elements of elem_size bytes at p: inside [lo, hi), aligned, and every byte readable. */
static void walk(walk_ctx *w, const void *p, size_t count, size_t elem_size)
{
    const uint8_t *b = (const uint8_t *)p;
    FUZZ_CHECK(b != NULL);
    FUZZ_CHECK(((uintptr_t)b % MN_TENSOR_ALIGN) == 0);
    FUZZ_CHECK(b >= w->lo && b <= w->hi && count * elem_size <= (size_t)(w->hi - b));
    for (size_t i = 0; i < count * elem_size; i++) {
        w->sum += b[i];
    }
}

/* An f32 (PC-only) tensor: absent (NULL) in a lean file, else walked like the rest. */
static void walk_f32(walk_ctx *w, const float *p, size_t count, int lean)
{
    if (lean) {
        FUZZ_CHECK(p == NULL);
    } else {
        walk(w, p, count, 4);
    }
}

static void walk_model(const mn_model *m, const uint8_t *arena, size_t arena_size)
{
    const size_t F = m->n_features, D = m->d_model, E = m->d_inner, N = m->d_state;
    const size_t R = m->dt_rank, K = m->d_conv, C = m->n_classes;
    walk_ctx w = {arena, arena + arena_size, 0};
    const int lean = (m->flags & MN_FLAG_LEAN) != 0;
    FUZZ_CHECK((m->flags & ~(uint32_t)MN_FLAG_LEAN) == 0);

    for (int c = 0; c < m->n_classes; c++) {
        const char *name = mn_class_name(m, c);
        FUZZ_CHECK((const uint8_t *)name >= w.lo && (const uint8_t *)name < w.hi);
        FUZZ_CHECK(memchr(name, 0, MN_CLASS_NAME_BYTES) != NULL);
    }
    FUZZ_CHECK(mn_class_name(m, m->n_classes)[0] == '\0');
    walk(&w, m->class_names, C, MN_CLASS_NAME_BYTES);
    walk(&w, m->exp2_lut, MN_EXP2_LUT_SIZE, sizeof(uint16_t));
    walk(&w, m->in_w, D * F, 1);
    walk(&w, m->in_b, D, 4);
    walk(&w, m->in_rq, D, sizeof(mn_rq));
    walk(&w, m->cls_w, C * D, 1);
    walk(&w, m->cls_b, C, 4);
    walk(&w, m->cls_rq, C, sizeof(mn_rq));
    walk_f32(&w, m->in_wscale, D, lean);
    walk_f32(&w, m->in_bf, D, lean);
    walk_f32(&w, m->cls_wscale, C, lean);
    walk_f32(&w, m->cls_bf, C, lean);
    walk_f32(&w, m->pool_scale, 1, lean);
    FUZZ_CHECK(m->n_layers >= 1 && m->n_layers <= MN_MAX_LAYERS);
    for (int l = 0; l < m->n_layers; l++) {
        const mn_layer *ly = &m->layers[l];
        walk(&w, ly->in_proj_w, 2 * E * D, 1);
        walk(&w, ly->in_proj_b, 2 * E, 4);
        walk(&w, ly->in_proj_rq, 2 * E, sizeof(mn_rq));
        walk(&w, ly->conv_w, E * K, 1);
        walk(&w, ly->conv_b, E, 4);
        walk(&w, ly->conv_rq, E, sizeof(mn_rq));
        walk(&w, ly->silu_x_lut, 256, 1);
        walk(&w, ly->x_proj_w, (R + 2 * N) * E, 1);
        walk(&w, ly->x_proj_rq, R + 2 * N, sizeof(mn_rq));
        walk(&w, ly->dt_proj_w, E * R, 1);
        walk(&w, ly->dt_proj_b, E, 4);
        walk(&w, ly->dt_proj_rq, E, sizeof(mn_rq));
        walk(&w, ly->softplus_lut, 256, 2);
        walk(&w, ly->a2, E * N, 2);
        walk(&w, ly->dbx_rq, E, sizeof(mn_rq));
        walk(&w, ly->y_rq, E, sizeof(mn_rq));
        walk(&w, ly->d_rq, E, sizeof(mn_rq));
        walk(&w, ly->silu_z_lut, 256, 1);
        walk(&w, ly->out_proj_w, D * E, 1);
        walk(&w, ly->out_proj_b, D, 4);
        walk(&w, ly->out_proj_rq, D, sizeof(mn_rq));
        walk_f32(&w, ly->in_proj_wscale, 2 * E, lean);
        walk_f32(&w, ly->in_proj_bf, 2 * E, lean);
        walk_f32(&w, ly->conv_wscale, E, lean);
        walk_f32(&w, ly->conv_bf, E, lean);
        walk_f32(&w, ly->x_proj_wscale, R + 2 * N, lean);
        walk_f32(&w, ly->dt_proj_wscale, E, lean);
        walk_f32(&w, ly->dt_proj_bf, E, lean);
        walk_f32(&w, ly->d_f, E, lean);
        walk_f32(&w, ly->state_scale, E, lean);
        walk_f32(&w, ly->out_proj_wscale, D, lean);
        walk_f32(&w, ly->out_proj_bf, D, lean);
        walk_f32(&w, ly->act_scales, MN_ACT_COUNT, lean);
        /* the ranges the kernel relies on */
        FUZZ_CHECK(ly->gate_rq.shift >= 0 && ly->gate_rq.shift <= 62);
        FUZZ_CHECK(ly->res_rq.shift >= 0 && ly->res_rq.shift <= 62);
        FUZZ_CHECK(ly->exp_shift >= 0 && ly->exp_shift <= 31);
        for (size_t e = 0; e < E; e++) {
            FUZZ_CHECK(ly->dbx_rq[e].shift >= 0 && ly->dbx_rq[e].shift <= 62);
        }
    }
    for (int l = m->n_layers; l < MN_MAX_LAYERS; l++) {
        FUZZ_CHECK(m->layers[l].in_proj_w == NULL);
    }
    for (int i = 0; i < MN_EXP2_LUT_SIZE; i++) {
        FUZZ_CHECK(m->exp2_lut[i] <= 32768 && (i == 0 || m->exp2_lut[i] <= m->exp2_lut[i - 1]));
    }
    volatile uint32_t sink = w.sum; /* the reads above must happen */
    (void)sink;
}

static void try_input(const uint8_t *data, size_t size, size_t misalign)
{
    const mn_status validated = mn_model_validate(data, size);
    const size_t need = mn_model_arena_size(data, size);
    uint8_t *arena = fuzz_arena + misalign;
    const size_t arena_size = sizeof fuzz_arena - misalign;
    mn_model model;
    const mn_status loaded = mn_model_load(&model, arena, arena_size, data, size);
    FUZZ_CHECK(loaded == validated);
    FUZZ_CHECK(mn_status_message(loaded)[0] != '\0');
    if (loaded != MN_OK) {
        return;
    }
    FUZZ_CHECK(need > 0 && need <= arena_size && need <= size + MN_TENSOR_ALIGN - 1);
    size_t sized_arena, sized_state, sized_scratch;
    FUZZ_CHECK(mn_model_buffer_sizes(data, size, &sized_arena, &sized_state, &sized_scratch) ==
               MN_OK);
    FUZZ_CHECK(sized_arena == need && sized_state == mn_state_size(&model) &&
               sized_scratch == mn_scratch_size(&model));
    walk_model(&model, arena, need);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MN_FUZZ_MAX_LEN) {
        return 0;
    }
    const size_t misalign = size > 0 ? data[size - 1] % MN_TENSOR_ALIGN : 0;
    try_input(data, size, misalign);
    if (size >= MN_HEADER_SIZE) {
        memcpy(fuzz_copy, data, size);
        uint32_t file_size = (uint32_t)fuzz_copy[12] | ((uint32_t)fuzz_copy[13] << 8) |
                             ((uint32_t)fuzz_copy[14] << 16) | ((uint32_t)fuzz_copy[15] << 24);
        if (file_size >= 20 && file_size <= size) {
            const uint32_t crc = mn_crc32(0, fuzz_copy + 20, file_size - 20);
            for (int i = 0; i < 4; i++) {
                fuzz_copy[16 + i] = (uint8_t)(crc >> (8 * i));
            }
            try_input(fuzz_copy, size, misalign);
        }
    }
    return 0;
}
