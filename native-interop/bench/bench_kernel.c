/*
 * bench_kernel.c — steps a model file for a number of frames with the INT8 kernel or the float
 * reference, for instruction counting under callgrind (tools/scripts/bench_kernel.sh). Prints the model's
 * MACs per frame and the bytes of state + scratch; callgrind supplies the instruction counts of
 * mn_step_s8 / mnf_step.
 *
 * Usage: bench_kernel MODEL.mnm int8|float FRAMES
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamba_nano.h"

/* Multiply-accumulates of one step: the linear layers, the depthwise conv, and per state element
 * four products (delta*|A|, dA*h, u*B, C*h). */
static long macs_per_frame(const mn_model *m)
{
    const long F = m->n_features, D = m->d_model, E = m->d_inner, N = m->d_state;
    const long R = m->dt_rank, K = m->d_conv;
    const long per_layer = 2 * E * D + E * K + (R + 2 * N) * E + E * R + 4 * E * N + D * E;
    return F * D + m->n_layers * per_layer;
}

static unsigned char *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = n > 0 ? malloc((size_t)n) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[2], "int8") != 0 && strcmp(argv[2], "float") != 0)) {
        fprintf(stderr, "usage: %s MODEL.mnm int8|float FRAMES\n", argv[0]);
        return 2;
    }
    const int frames = atoi(argv[3]);
    size_t file_size = 0;
    unsigned char *file = read_all(argv[1], &file_size);
    if (file == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    const size_t arena_size = mn_model_arena_size(file, file_size);
    void *arena = malloc(arena_size ? arena_size : 1);
    mn_model model;
    const mn_status st = mn_model_load(&model, arena, arena_size, file, file_size);
    if (st != MN_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], mn_status_message(st));
        return 1;
    }
    int8_t *features = malloc((size_t)frames * model.n_features); /* (frames, F) */
    unsigned s = 12345u;
    for (long i = 0; i < (long)frames * model.n_features; i++) {
        s = s * 1103515245u + 12345u;
        features[i] = (int8_t)(s >> 24);
    }

    printf("model %s: F %d D %d E %d N %d R %d K %d L %d C %d\n", argv[1], model.n_features,
           model.d_model, model.d_inner, model.d_state, model.dt_rank, model.d_conv, model.n_layers,
           model.n_classes);
    printf("macs_per_frame %ld\n", macs_per_frame(&model));
    if (strcmp(argv[2], "int8") == 0) {
        const size_t state_size = mn_state_size(&model), scratch_size = mn_scratch_size(&model);
        void *state = malloc(state_size), *scratch = malloc(scratch_size);
        mn_state_reset(&model, state, state_size);
        for (int t = 0; t < frames; t++) {
            mn_step_s8(&model, state, state_size, scratch, scratch_size,
                       features + (size_t)t * model.n_features);
        }
        int32_t logits[MN_MAX_CLASSES];
        mn_logits_q8(&model, state, state_size, logits);
        printf("state_bytes %zu\nscratch_bytes %zu\nweights_file_bytes %zu\nlogit0_q8 %d\n",
               state_size, scratch_size, file_size, (int)logits[0]);
    } else {
        const size_t farena_size = mnf_arena_size(&model);
        void *farena = malloc(farena_size);
        mnf_model *fm = mnf_model_init(&model, farena, farena_size);
        const size_t state_size = mnf_state_size(fm), scratch_size = mnf_scratch_size(fm);
        void *state = malloc(state_size), *scratch = malloc(scratch_size);
        float *x = malloc(sizeof(float) * model.n_features);
        mnf_state_reset(fm, state);
        for (int t = 0; t < frames; t++) {
            for (int i = 0; i < model.n_features; i++) {
                x[i] = model.input_scale *
                       ((float)features[(size_t)t * model.n_features + i] - model.input_zero_point);
            }
            mnf_step(fm, state, scratch, x);
        }
        float logits[MN_MAX_CLASSES];
        mnf_logits(fm, state, logits);
        printf("state_bytes %zu\nscratch_bytes %zu\nlogit0 %f\n", state_size, scratch_size,
               logits[0]);
    }
    return 0;
}
