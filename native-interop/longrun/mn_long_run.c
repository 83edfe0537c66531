/*
 * Long-run stability of a model file under adversarial input (tools/scripts/long_run.sh):
 *   mn_long_run [--steps N] MODEL.mnm ...
 * For each model and each pattern (full-scale +127, full-scale -128, alternating +127/-128,
 * constant 0, uniform noise), N steps from reset, reading the logits every 1,000 steps; then a
 * reset and a fixed probe sequence whose logits must equal those of a freshly loaded model.
 * Reports per pattern: steps, the fraction of hidden-state values at the int16 rails at the end,
 * the logit range seen, and whether reset == fresh. Exit code 1 if any check fails (a status
 * other than OK, reset != fresh). Signed overflow is caught by building with UBSan
 * (tools/scripts/long_run.sh does). Prints one JSON object per model.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamba_nano.h"

#define PROBE_STEPS 256

typedef struct {
    uint8_t *file;
    size_t size;
    mn_model model;
    void *arena, *state, *scratch;
    size_t state_size, scratch_size;
} loaded;

static int load(loaded *m, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 0;
    }
    fseek(f, 0, SEEK_END);
    m->size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    m->file = malloc(m->size);
    if (m->file == NULL || fread(m->file, 1, m->size, f) != m->size) {
        fclose(f);
        fprintf(stderr, "%s: cannot read\n", path);
        return 0;
    }
    fclose(f);
    const size_t arena_size = mn_model_arena_size(m->file, m->size);
    m->arena = malloc(arena_size ? arena_size : 1);
    const mn_status st = mn_model_load(&m->model, m->arena, arena_size, m->file, m->size);
    if (st != MN_OK) {
        fprintf(stderr, "%s: %s\n", path, mn_status_message(st));
        return 0;
    }
    m->state_size = mn_state_size(&m->model);
    m->scratch_size = mn_scratch_size(&m->model);
    m->state = calloc(1, m->state_size);
    m->scratch = calloc(1, m->scratch_size);
    return mn_state_reset(&m->model, m->state, m->state_size) == MN_OK;
}

static void unload(loaded *m)
{
    free(m->file);
    free(m->arena);
    free(m->state);
    free(m->scratch);
}

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

enum { PAT_MAX, PAT_MIN, PAT_ALTERNATE, PAT_ZERO, PAT_NOISE, PAT_COUNT };
static const char *const pattern_names[PAT_COUNT] = {"full_scale_pos", "full_scale_neg",
                                                     "alternating", "constant_zero", "noise"};

static void frame(int pattern, uint64_t t, uint32_t *rng, int8_t *x, int n)
{
    for (int i = 0; i < n; i++) {
        switch (pattern) {
        case PAT_MAX: x[i] = 127; break;
        case PAT_MIN: x[i] = -128; break;
        case PAT_ALTERNATE: x[i] = ((t + (uint64_t)i) & 1) ? 127 : -128; break;
        case PAT_ZERO: x[i] = 0; break;
        default: x[i] = (int8_t)(xorshift(rng) >> 24); break;
        }
    }
}

/* Reset, run the fixed probe sequence, logits out. */
static int probe(loaded *m, int32_t *logits)
{
    int8_t x[MN_MAX_FEATURES];
    uint32_t rng = 12345;
    if (mn_state_reset(&m->model, m->state, m->state_size) != MN_OK) {
        return 0;
    }
    for (int t = 0; t < PROBE_STEPS; t++) {
        frame(PAT_NOISE, (uint64_t)t, &rng, x, m->model.n_features);
        if (mn_step_s8(&m->model, m->state, m->state_size, m->scratch, m->scratch_size, x) !=
            MN_OK) {
            return 0;
        }
    }
    return mn_logits_q8(&m->model, m->state, m->state_size, logits) == MN_OK;
}

static double rail_fraction(const loaded *m)
{
    size_t rails = 0, total = 0;
    for (int l = 0; l < m->model.n_layers; l++) {
        const int16_t *h = mn_state_ssm(&m->model, m->state, l);
        const size_t n = (size_t)m->model.d_inner * m->model.d_state;
        for (size_t i = 0; i < n; i++) {
            rails += (h[i] == INT16_MAX || h[i] == -INT16_MAX || h[i] == INT16_MIN);
        }
        total += n;
    }
    return total ? (double)rails / (double)total : 0.0;
}

static int run_model(const char *path, uint64_t steps)
{
    loaded m, fresh;
    memset(&m, 0, sizeof m);
    memset(&fresh, 0, sizeof fresh);
    if (!load(&m, path) || !load(&fresh, path)) {
        return 0;
    }
    int32_t fresh_logits[MN_MAX_CLASSES], logits[MN_MAX_CLASSES];
    int ok = probe(&fresh, fresh_logits);
    printf("{\"model\": \"%s\", \"steps_per_pattern\": %llu, \"patterns\": [", path,
           (unsigned long long)steps);
    for (int p = 0; p < PAT_COUNT && ok; p++) {
        int8_t x[MN_MAX_FEATURES];
        uint32_t rng = 777u + (uint32_t)p;
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        ok = mn_state_reset(&m.model, m.state, m.state_size) == MN_OK;
        for (uint64_t t = 0; t < steps && ok; t++) {
            frame(p, t, &rng, x, m.model.n_features);
            ok = mn_step_s8(&m.model, m.state, m.state_size, m.scratch, m.scratch_size, x) == MN_OK;
            if (ok && (t + 1) % 1000 == 0) {
                ok = mn_logits_q8(&m.model, m.state, m.state_size, logits) == MN_OK;
                for (int c = 0; c < m.model.n_classes; c++) {
                    lo = logits[c] < lo ? logits[c] : lo;
                    hi = logits[c] > hi ? logits[c] : hi;
                }
            }
        }
        const double rails = rail_fraction(&m);
        const int same = ok && probe(&m, logits) &&
                         memcmp(logits, fresh_logits, sizeof(int32_t) * m.model.n_classes) == 0;
        ok = ok && same;
        printf("%s{\"pattern\": \"%s\", \"state_at_rails\": %.6f, \"logit_min\": %.3f, "
               "\"logit_max\": %.3f, "
               "\"reset_equals_fresh\": %s}",
               p ? ", " : "", pattern_names[p], rails, lo / 256.0, hi / 256.0,
               same ? "true" : "false");
    }
    printf("], \"ok\": %s}\n", ok ? "true" : "false");
    unload(&m);
    unload(&fresh);
    return ok;
}

int main(int argc, char **argv)
{
    uint64_t steps = 2000000; /* x 5 patterns = 10^7 steps per model */
    int first = 1, ok = 1;
    if (argc > 2 && strcmp(argv[1], "--steps") == 0) {
        steps = strtoull(argv[2], NULL, 10);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--steps N] MODEL.mnm ...\n", argv[0]);
        return 2;
    }
    for (int i = first; i < argc; i++) {
        ok &= run_model(argv[i], steps);
    }
    return ok ? 0 : 1;
}
