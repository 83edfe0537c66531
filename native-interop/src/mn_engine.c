/*
 * MambaNano engine: static slots around the loader, the front-ends and the INT8 step (see
 * mn_engine.h). The only file with static storage; the step itself stays global-free.
 */
#include "mn_engine.h"

#include <string.h>

/* Arenas and scratch 16-byte aligned (SIMD loads of the tensors, which sit at multiples of 16 in
 * the file, and of the scratch vectors), states 8 (the log-mel scratch needs 8, the rest 4). */
#if defined(__GNUC__) || defined(__clang__)
#define MN_ENGINE_ALIGN16 __attribute__((aligned(16)))
#else
#define MN_ENGINE_ALIGN16 /* the loader pads the arena's start to 16 itself */
#endif

#define MN_ENGINE_ROUND(n, a) ((((size_t)(n)) + ((a)-1u)) & ~(size_t)((a)-1u))
#define MN_ENGINE_ARENA_CAP_0 MN_ENGINE_ROUND(MN_ENGINE_ARENA_BYTES_0, 16u)
#define MN_ENGINE_ARENA_CAP_1 MN_ENGINE_ROUND(MN_ENGINE_ARENA_BYTES_1, 16u)
#define MN_ENGINE_STATE_CAP_0 MN_ENGINE_ROUND(MN_ENGINE_STATE_BYTES_0, 8u)
#define MN_ENGINE_STATE_CAP_1 MN_ENGINE_ROUND(MN_ENGINE_STATE_BYTES_1, 8u)

typedef char mn_engine_two_slots[(MN_ENGINE_SLOTS == 2) ? 1 : -1]; /* sizes below are per slot */

/* Every slot's arena in one block (slot 0 first), every slot's states in another. Firmware that
 * loads only in place sets the arenas to 0 bytes (one byte is kept: C has no empty arrays). */
typedef union {
    uint64_t align;
    uint8_t bytes[MN_ENGINE_ARENA_CAP_0 + MN_ENGINE_ARENA_CAP_1 > 0
                      ? MN_ENGINE_ARENA_CAP_0 + MN_ENGINE_ARENA_CAP_1
                      : 1];
} mn_engine_arenas;

typedef union {
    uint64_t align;
    uint8_t bytes[MN_ENGINE_STATE_CAP_0 + MN_ENGINE_STATE_CAP_1];
} mn_engine_states;

typedef union {
    uint64_t align;
    uint8_t bytes[MN_ENGINE_ROUND(MN_ENGINE_SCRATCH_BYTES, 16u)];
} mn_engine_scratch;

static const size_t mn_arena_offset[MN_ENGINE_SLOTS] = {0, MN_ENGINE_ARENA_CAP_0};
static const size_t mn_arena_cap[MN_ENGINE_SLOTS] = {MN_ENGINE_ARENA_CAP_0, MN_ENGINE_ARENA_CAP_1};
static const size_t mn_state_offset[MN_ENGINE_SLOTS] = {0, MN_ENGINE_STATE_CAP_0};
static const size_t mn_state_cap[MN_ENGINE_SLOTS] = {MN_ENGINE_STATE_CAP_0, MN_ENGINE_STATE_CAP_1};

typedef union {
    uint64_t align;
    uint8_t imu[MN_IMU_STATE_SIZE];
    uint8_t logmel[MN_LOGMEL_STATE_SIZE];
} mn_engine_fe_state;

typedef struct {
    mn_model model; /* n_layers == 0: no model */
    uint32_t file_bytes;
    int32_t n_streams;
    uint32_t stream_bytes; /* mn_state_size, rounded up to 8 */
    mn_engine_fe_state fe; /* the front-end named by model.frontend */
    int32_t signal[MN_SIGNAL_COUNT];
    int8_t features[MN_MAX_FEATURES];
    int16_t hop[MN_AUDIO_HOP_SAMPLES]; /* one hop of PCM, converted from the caller's bytes */
} mn_engine_slot;

typedef char
    mn_engine_scratch_fits_logmel[(MN_ENGINE_SCRATCH_BYTES >= MN_LOGMEL_SCRATCH_SIZE) ? 1 : -1];

static mn_engine_slot mn_slots[MN_ENGINE_SLOTS];
static MN_ENGINE_ARENA_ATTR MN_ENGINE_ALIGN16 mn_engine_arenas mn_arenas;
static mn_engine_states mn_states;
static MN_ENGINE_ALIGN16 mn_engine_scratch mn_scratch;

const char *mn_engine_status_message(int32_t status)
{
    switch (status) {
#define MN_ENGINE_STATUS_CASE(code, message) \
    case code: return message;
        MN_ENGINE_STATUS_MESSAGES(MN_ENGINE_STATUS_CASE)
#undef MN_ENGINE_STATUS_CASE
    }
    if (status >= MN_FE_ERR_SAMPLE_RATE) {
        return mn_fe_status_message((mn_fe_status)status);
    }
    return mn_status_message((mn_status)status);
}

int32_t mn_engine_status_text(int32_t status, uint8_t *out, int32_t cap)
{
    if (out == NULL || cap <= 0) {
        return 0;
    }
    const char *text = mn_engine_status_message(status);
    size_t n = strlen(text);
    if (n > (size_t)cap - 1) {
        n = (size_t)cap - 1;
    }
    memcpy(out, text, n);
    out[n] = 0;
    return (int32_t)n;
}

static mn_engine_slot *mn_slot(int32_t slot)
{
    return (slot >= 0 && slot < MN_ENGINE_SLOTS) ? &mn_slots[slot] : NULL;
}

static int32_t mn_native_rate(uint8_t frontend)
{
    switch (frontend) {
    case MN_FRONTEND_IMU: return MN_IMU_SAMPLE_RATE_HZ;
    case MN_FRONTEND_LOGMEL: return MN_AUDIO_SAMPLE_RATE_HZ;
    default: return 0;
    }
}

/* Reset the front-end named by frontend into fe. A refused rate leaves fe untouched: the reset
 * runs on a copy (the front-ends leave a refused state unusable). */
static int32_t mn_fe_reset(mn_engine_fe_state *fe, uint8_t frontend, int32_t sample_rate_hz)
{
    mn_engine_fe_state fresh;
    int32_t st = MN_OK;
    switch (frontend) {
    case MN_FRONTEND_IMU: st = mn_imu_reset(fresh.imu, sizeof fresh.imu, sample_rate_hz); break;
    case MN_FRONTEND_LOGMEL:
        st = mn_logmel_reset(fresh.logmel, sizeof fresh.logmel, sample_rate_hz);
        break;
    default: /* MN_FRONTEND_RAW: features come in as they are */
        memset(&fresh, 0, sizeof fresh);
        break;
    }
    if (st == MN_OK) {
        *fe = fresh;
    }
    return st;
}

static uint8_t *mn_stream_state(int32_t slot, const mn_engine_slot *s, int32_t stream)
{
    return mn_states.bytes + mn_state_offset[slot] + (size_t)stream * s->stream_bytes;
}

static int32_t mn_reset_streams(int32_t slot, mn_engine_slot *s)
{
    int32_t st = MN_OK;
    for (int32_t i = 0; i < s->n_streams && st == MN_OK; i++) {
        st = mn_state_reset(&s->model, mn_stream_state(slot, s, i), s->stream_bytes);
    }
    return st;
}

/* mn_engine_load and mn_engine_load_in_place: the file copied into the slot's arena, or read
 * where it is (in_place). */
static int32_t mn_engine_load_file(int32_t slot, const uint8_t *file, int32_t file_size,
                                   int32_t n_streams, int in_place)
{
    mn_engine_slot *s = mn_slot(slot);
    if (s == NULL) {
        return MN_ENGINE_ERR_SLOT;
    }
    if (file == NULL || file_size <= 0) {
        return MN_ERR_ARG;
    }
    if (n_streams < 0 || n_streams > MN_ENGINE_MAX_STREAMS) {
        return MN_ENGINE_ERR_STREAM;
    }
    size_t arena_size, state_size, scratch_size;
    mn_status st =
        mn_model_buffer_sizes(file, (size_t)file_size, &arena_size, &state_size, &scratch_size);
    if (st != MN_OK) {
        return st;
    }
    const size_t stream_bytes = (state_size + 7u) & ~(size_t)7u;
    if (in_place && ((uintptr_t)file & (MN_IN_PLACE_ALIGN - 1u)) != 0) {
        return MN_ERR_ALIGN;
    }
    if (!in_place && arena_size > mn_arena_cap[slot]) {
        return MN_ERR_ARENA_TOO_SMALL;
    }
    if (stream_bytes * (size_t)(n_streams > 0 ? n_streams : 1) > mn_state_cap[slot] ||
        scratch_size > sizeof mn_scratch.bytes) {
        return MN_ERR_BUFFER_TOO_SMALL;
    }
    if (n_streams == 0) {
        return MN_OK; /* check only: the file is valid and fits; the slot is untouched */
    }
    /* Everything checked: the loader cannot fail now, and replaces the slot's model. */
    st = in_place ? mn_model_load_in_place(&s->model, file, (size_t)file_size)
                  : mn_model_load(&s->model, mn_arenas.bytes + mn_arena_offset[slot],
                                  mn_arena_cap[slot], file, (size_t)file_size);
    if (st != MN_OK) {
        return st;
    }
    s->file_bytes = (uint32_t)file_size;
    s->n_streams = n_streams;
    s->stream_bytes = (uint32_t)stream_bytes;
    memset(s->signal, 0, sizeof s->signal);
    mn_fe_reset(&s->fe, s->model.frontend, mn_native_rate(s->model.frontend));
    return mn_reset_streams(slot, s);
}

int32_t mn_engine_load(int32_t slot, const uint8_t *file, int32_t file_size, int32_t n_streams)
{
    return mn_engine_load_file(slot, file, file_size, n_streams, 0);
}

int32_t mn_engine_load_in_place(int32_t slot, const uint8_t *file, int32_t file_size,
                                int32_t n_streams)
{
    return mn_engine_load_file(slot, file, file_size, n_streams, 1);
}

int32_t mn_engine_unload(int32_t slot)
{
    mn_engine_slot *s = mn_slot(slot);
    if (s == NULL) {
        return MN_ENGINE_ERR_SLOT;
    }
    memset(s, 0, sizeof *s);
    return MN_OK;
}

/* The slot, if it exists and holds a model; else NULL with *status set. */
static mn_engine_slot *mn_loaded(int32_t slot, int32_t *status)
{
    mn_engine_slot *s = mn_slot(slot);
    *status = s == NULL ? MN_ENGINE_ERR_SLOT : (s->model.n_layers == 0 ? MN_ERR_NOT_LOADED : MN_OK);
    return *status == MN_OK ? s : NULL;
}

/* The slot if it holds a model and has this stream; else NULL with *status set. */
static mn_engine_slot *mn_stream(int32_t slot, int32_t stream, int32_t *status)
{
    mn_engine_slot *s = mn_loaded(slot, status);
    if (s != NULL && (stream < 0 || stream >= s->n_streams)) {
        *status = MN_ENGINE_ERR_STREAM;
        return NULL;
    }
    return s;
}

int32_t mn_engine_info(int32_t slot, int32_t *info, int32_t n)
{
    mn_engine_slot *s = mn_slot(slot);
    if (s == NULL) {
        return MN_ENGINE_ERR_SLOT;
    }
    if (info == NULL || n < MN_INFO_COUNT) {
        return MN_ENGINE_ERR_LENGTH;
    }
    memset(info, 0, sizeof(int32_t) * MN_INFO_COUNT);
    const mn_model *m = &s->model;
    if (m->n_layers == 0) {
        return MN_OK;
    }
    info[MN_INFO_TASK] = m->task;
    info[MN_INFO_FRONTEND] = m->frontend;
    info[MN_INFO_FEATURES] = m->n_features;
    info[MN_INFO_CLASSES] = m->n_classes;
    info[MN_INFO_D_MODEL] = m->d_model;
    info[MN_INFO_D_INNER] = m->d_inner;
    info[MN_INFO_D_STATE] = m->d_state;
    info[MN_INFO_LAYERS] = m->n_layers;
    info[MN_INFO_MODEL_CRC] = (int32_t)m->crc32;
    info[MN_INFO_FILE_BYTES] = (int32_t)s->file_bytes;
    info[MN_INFO_STATE_BYTES] = (int32_t)mn_state_size(m);
    info[MN_INFO_SCRATCH_BYTES] = (int32_t)mn_scratch_size(m);
    info[MN_INFO_SAMPLE_RATE] = mn_native_rate(m->frontend);
    info[MN_INFO_FRAME_SAMPLES] = m->frontend == MN_FRONTEND_IMU      ? 1
                                  : m->frontend == MN_FRONTEND_LOGMEL ? MN_AUDIO_HOP_SAMPLES
                                                                      : 0;
    info[MN_INFO_STREAMS] = s->n_streams;
    return MN_OK;
}

int32_t mn_engine_class_name(int32_t slot, int32_t c, uint8_t *out, int32_t cap)
{
    int32_t st;
    mn_engine_slot *s = mn_loaded(slot, &st);
    if (s == NULL) {
        return st;
    }
    if (out == NULL || cap < MN_CLASS_NAME_BYTES || c < 0 || c >= s->model.n_classes) {
        return MN_ERR_ARG;
    }
    memset(out, 0, (size_t)cap);
    memcpy(out, mn_class_name(&s->model, c), MN_CLASS_NAME_BYTES);
    return MN_OK;
}

int32_t mn_engine_start(int32_t slot, int32_t sample_rate_hz)
{
    int32_t st;
    mn_engine_slot *s = mn_loaded(slot, &st);
    if (s == NULL) {
        return st;
    }
    st = mn_fe_reset(&s->fe, s->model.frontend, sample_rate_hz);
    if (st != MN_OK) {
        return st;
    }
    memset(s->signal, 0, sizeof s->signal);
    return mn_reset_streams(slot, s);
}

int32_t mn_engine_reset(int32_t slot, int32_t stream)
{
    int32_t st;
    mn_engine_slot *s = mn_stream(slot, stream, &st);
    if (s == NULL) {
        return st;
    }
    return mn_state_reset(&s->model, mn_stream_state(slot, s, stream), s->stream_bytes);
}

int32_t mn_engine_steps(int32_t slot, int32_t stream)
{
    int32_t st;
    mn_engine_slot *s = mn_stream(slot, stream, &st);
    if (s == NULL) {
        return -st;
    }
    return (int32_t)mn_state_steps(&s->model, mn_stream_state(slot, s, stream), s->stream_bytes);
}

/* One feature frame into every stream. */
static int32_t mn_step(int32_t slot, mn_engine_slot *s, const int8_t *features)
{
    int32_t st = MN_OK;
    for (int32_t i = 0; i < s->n_streams && st == MN_OK; i++) {
        st = mn_step_s8(&s->model, mn_stream_state(slot, s, i), s->stream_bytes, mn_scratch.bytes,
                        sizeof mn_scratch.bytes, features);
    }
    return st;
}

/* Peak, rail hits and mean absolute deviation of n raw int16 samples into signal. */
static void mn_measure(int32_t *signal, const int16_t *x, int32_t n)
{
    int64_t sum = 0;
    int32_t peak = 0, clipped = 0;
    for (int32_t i = 0; i < n; i++) {
        const int32_t v = x[i];
        const int32_t a = v < 0 ? -v : v;
        peak = a > peak ? a : peak;
        clipped += (v == INT16_MAX || v == INT16_MIN);
        sum += v;
    }
    const int32_t mean = n > 0 ? (int32_t)(sum / n) : 0;
    int64_t dev = 0;
    for (int32_t i = 0; i < n; i++) {
        const int32_t d = x[i] - mean;
        dev += d < 0 ? -d : d;
    }
    signal[MN_SIGNAL_PEAK] = peak;
    signal[MN_SIGNAL_CLIPPED] = clipped;
    signal[MN_SIGNAL_MEAN_ABS] = n > 0 ? (int32_t)(dev / n) : 0;
    signal[MN_SIGNAL_SAMPLES] = n;
}

int32_t mn_engine_push_imu_counts(int32_t slot, const int16_t *counts, int32_t n,
                                  int32_t accel_full_scale_g, int32_t gyro_full_scale_dps)
{
    int32_t st;
    mn_engine_slot *s = mn_loaded(slot, &st);
    if (s == NULL) {
        return st;
    }
    if (s->model.frontend != MN_FRONTEND_IMU) {
        return MN_ENGINE_ERR_FRONTEND;
    }
    if (counts == NULL || n != 6) {
        return MN_ENGINE_ERR_LENGTH;
    }
    st = mn_imu_step_counts_s8(s->fe.imu, sizeof s->fe.imu, accel_full_scale_g, gyro_full_scale_dps,
                               counts, counts + 3, s->features);
    if (st != MN_OK) {
        return st;
    }
    mn_measure(s->signal, counts, n);
    return mn_step(slot, s, s->features);
}

int32_t mn_engine_push_imu_physical(int32_t slot, const int32_t *values, int32_t n)
{
    int32_t st;
    mn_engine_slot *s = mn_loaded(slot, &st);
    if (s == NULL) {
        return st;
    }
    if (s->model.frontend != MN_FRONTEND_IMU) {
        return MN_ENGINE_ERR_FRONTEND;
    }
    if (values == NULL || n != 6) {
        return MN_ENGINE_ERR_LENGTH;
    }
    st = mn_imu_step_s8(s->fe.imu, sizeof s->fe.imu, values, values + 3, s->features);
    if (st != MN_OK) {
        return st;
    }
    memset(s->signal, 0, sizeof s->signal); /* no raw counts to measure */
    s->signal[MN_SIGNAL_SAMPLES] = 1;
    return mn_step(slot, s, s->features);
}

int32_t mn_engine_push_pcm(int32_t slot, const uint8_t *pcm, int32_t n_bytes,
                           int32_t bytes_per_sample)
{
    int32_t st;
    mn_engine_slot *s = mn_loaded(slot, &st);
    if (s == NULL) {
        return st;
    }
    if (s->model.frontend != MN_FRONTEND_LOGMEL) {
        return MN_ENGINE_ERR_FRONTEND;
    }
    if (pcm == NULL || n_bytes < 0 || (bytes_per_sample != 2 && bytes_per_sample != 4)) {
        return MN_ERR_ARG;
    }
    const int32_t hop_bytes = MN_AUDIO_HOP_SAMPLES * bytes_per_sample;
    if (n_bytes % hop_bytes != 0) {
        return MN_FE_ERR_HOP;
    }
    int32_t peak = 0, clipped = 0, dev_sum = 0;
    for (int32_t h = 0; h < n_bytes / hop_bytes; h++) {
        const uint8_t *b = pcm + (size_t)h * (size_t)hop_bytes + (size_t)(bytes_per_sample - 2);
        for (int32_t i = 0; i < MN_AUDIO_HOP_SAMPLES; i++, b += bytes_per_sample) {
            s->hop[i] = (int16_t)(uint16_t)(b[0] | (b[1] << 8)); /* the top 16 bits, LE */
        }
        st = mn_logmel_step_s8(s->fe.logmel, sizeof s->fe.logmel, mn_scratch.bytes,
                               sizeof mn_scratch.bytes, s->hop, s->features);
        if (st == MN_OK) {
            st = mn_step(slot, s, s->features);
        }
        if (st != MN_OK) {
            return st;
        }
        mn_measure(s->signal, s->hop, MN_AUDIO_HOP_SAMPLES);
        peak = s->signal[MN_SIGNAL_PEAK] > peak ? s->signal[MN_SIGNAL_PEAK] : peak;
        clipped += s->signal[MN_SIGNAL_CLIPPED];
        dev_sum += s->signal[MN_SIGNAL_MEAN_ABS];
    }
    const int32_t hops = n_bytes / hop_bytes;
    s->signal[MN_SIGNAL_PEAK] = peak;
    s->signal[MN_SIGNAL_CLIPPED] = clipped;
    s->signal[MN_SIGNAL_MEAN_ABS] = hops > 0 ? dev_sum / hops : 0;
    s->signal[MN_SIGNAL_SAMPLES] = hops * MN_AUDIO_HOP_SAMPLES;
    return MN_OK;
}

int32_t mn_engine_push_features(int32_t slot, const int8_t *features, int32_t n)
{
    int32_t st;
    mn_engine_slot *s = mn_loaded(slot, &st);
    if (s == NULL) {
        return st;
    }
    if (features == NULL || n != s->model.n_features) {
        return MN_ENGINE_ERR_LENGTH;
    }
    return mn_step(slot, s, features);
}

int32_t mn_engine_read(int32_t slot, int32_t stream, int32_t *probs_q15, int32_t n)
{
    int32_t st;
    mn_engine_slot *s = mn_stream(slot, stream, &st);
    if (s == NULL) {
        return -st;
    }
    const int c_count = s->model.n_classes;
    if (probs_q15 == NULL || n < c_count) {
        return -MN_ENGINE_ERR_LENGTH;
    }
    int32_t logits[MN_MAX_CLASSES];
    st = mn_logits_q8(&s->model, mn_stream_state(slot, s, stream), s->stream_bytes, logits);
    if (st != MN_OK) {
        return -st;
    }
    uint16_t probs[MN_MAX_CLASSES];
    const int best = mn_softmax_q15(&s->model, logits, probs);
    for (int c = 0; c < c_count; c++) {
        probs_q15[c] = probs[c];
    }
    return best;
}

int32_t mn_engine_signal(int32_t slot, int32_t *signal, int32_t n)
{
    mn_engine_slot *s = mn_slot(slot);
    if (s == NULL) {
        return MN_ENGINE_ERR_SLOT;
    }
    if (signal == NULL || n < MN_SIGNAL_COUNT) {
        return MN_ENGINE_ERR_LENGTH;
    }
    memcpy(signal, s->signal, sizeof s->signal);
    return MN_OK;
}
