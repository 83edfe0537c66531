/*
 * MambaNano engine: the entry points the app calls, on the device through the nanoFramework
 * interop (nf/) and on a PC through P/Invoke of the shared library. The same C functions, with
 * the same static storage, on both.
 *
 * A slot is one model with everything it needs between calls: its arena (the copied model file;
 * none for a file loaded in place, mn_engine_load_in_place),
 * its front-end state and 1..MN_ENGINE_MAX_STREAMS INT8 states ("streams"). Every input frame goes
 * through the front-end once and steps every stream; the app resets the streams at staggered
 * times, so each stream's pooled state covers a window ending at a different step (sliding
 * windows at the cost of one step per stream). All of it is static storage of this translation
 * unit: on the ESP32-S3, .bss in internal SRAM (the arena may go to PSRAM, MN_ENGINE_ARENA_ATTR).
 * Managed code never holds a pointer into it, and native code never keeps a pointer into a
 * managed array (the GC moves them): arrays go in, are read or written during the call, and are
 * forgotten.
 *
 * Sizes are compile-time, per slot (override with -D): MN_ENGINE_ARENA_BYTES_<slot> (the model
 * file plus 15 bytes of alignment: mn_model_arena_size), MN_ENGINE_STATE_BYTES_<slot> (streams x
 * mn_state_size rounded up to 8), and MN_ENGINE_SCRATCH_BYTES shared by all slots (the larger of
 * mn_scratch_size and the log-mel scratch); MN_ENGINE_ARENA_BYTES / MN_ENGINE_STATE_BYTES set
 * every slot at once. Arena and scratch are 16-byte aligned (GCC/Clang), states 8. A model that
 * needs more is refused at load with MN_ERR_ARENA_TOO_SMALL / MN_ERR_BUFFER_TOO_SMALL, and the
 * model the slot had keeps running.
 *
 * Defaults. The firmware (ESP-IDF defines ESP_PLATFORM; or -DMN_ENGINE_DEVICE_SIZES) reserves
 * what the app needs. The app reads its models in place in the deployed assembly
 * (mn_engine_load_in_place), so no arena: slot 0 (HAR) 6 streams of 1,184 B, slot 1 (KWS) 5
 * streams of 1,928 B (nf.config's har_streams / kws_streams), 1,520 B scratch (the log-mel
 * front-end's): 18,264 B of buffers. Any model with the same dims fits (sizes follow from the dims
 * alone); a bigger one needs these raised. Firmware that copies its models (mn_engine_load, e.g.
 * from a file system) needs arenas too, for the lean files -DMN_ENGINE_ARENA_BYTES_0=16112
 * -DMN_ENGINE_ARENA_BYTES_1=31728 (mn_model_arena_size: the file + 15, rounded up to 16; 63,736 B
 * in all); without them mn_engine_load refuses every file with MN_ERR_ARENA_TOO_SMALL. Elsewhere
 * (host runner, Python tools, POSIX nanoCLR, tests) every slot has 64 KB of arena and 16 KB of
 * state, room for the full files and the test fixtures.
 *
 * Not thread-safe: one caller at a time (nanoFramework runs interop calls on its one interpreter
 * thread; the host runner calls from one thread).
 *
 * Every function returns a status: 0 (MN_OK) or an mn_status / mn_fe_status / mn_engine_status
 * code, which are disjoint ranges; mn_engine_status_message() names any of them.
 */
#ifndef MN_ENGINE_H
#define MN_ENGINE_H

#include <stdint.h>

#include "mamba_nano.h"
#include "mn_frontend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MN_ENGINE_SLOTS (the app's convention: 0 = HAR, 1 = KWS) and MN_ENGINE_MAX_STREAMS (INT8
 * states per slot) are in mn_contract.h. */

#if defined(ESP_PLATFORM) && !defined(MN_ENGINE_DEVICE_SIZES)
#define MN_ENGINE_DEVICE_SIZES 1
#endif

#ifdef MN_ENGINE_ARENA_BYTES /* one size for every slot */
#define MN_ENGINE_ARENA_BYTES_0 MN_ENGINE_ARENA_BYTES
#define MN_ENGINE_ARENA_BYTES_1 MN_ENGINE_ARENA_BYTES
#endif
#ifdef MN_ENGINE_STATE_BYTES
#define MN_ENGINE_STATE_BYTES_0 MN_ENGINE_STATE_BYTES
#define MN_ENGINE_STATE_BYTES_1 MN_ENGINE_STATE_BYTES
#endif

#ifdef MN_ENGINE_DEVICE_SIZES
#ifndef MN_ENGINE_ARENA_BYTES_0
#define MN_ENGINE_ARENA_BYTES_0 0 /* HAR read in place */
#endif
#ifndef MN_ENGINE_ARENA_BYTES_1
#define MN_ENGINE_ARENA_BYTES_1 0 /* KWS read in place */
#endif
#ifndef MN_ENGINE_STATE_BYTES_0
#define MN_ENGINE_STATE_BYTES_0 (6 * 1184) /* HAR: 6 streams */
#endif
#ifndef MN_ENGINE_STATE_BYTES_1
#define MN_ENGINE_STATE_BYTES_1 (5 * 1928) /* KWS: 5 streams */
#endif
#ifndef MN_ENGINE_SCRATCH_BYTES
#define MN_ENGINE_SCRATCH_BYTES 1520 /* MN_LOGMEL_SCRATCH_SIZE >= mn_scratch_size of both */
#endif
#else
#ifndef MN_ENGINE_ARENA_BYTES_0
#define MN_ENGINE_ARENA_BYTES_0 (64 * 1024)
#endif
#ifndef MN_ENGINE_ARENA_BYTES_1
#define MN_ENGINE_ARENA_BYTES_1 (64 * 1024)
#endif
#ifndef MN_ENGINE_STATE_BYTES_0
#define MN_ENGINE_STATE_BYTES_0 (16 * 1024)
#endif
#ifndef MN_ENGINE_STATE_BYTES_1
#define MN_ENGINE_STATE_BYTES_1 (16 * 1024)
#endif
#ifndef MN_ENGINE_SCRATCH_BYTES
#define MN_ENGINE_SCRATCH_BYTES 2048
#endif
#endif

#ifndef MN_ENGINE_ARENA_ATTR
#define MN_ENGINE_ARENA_ATTR /* e.g. EXT_RAM_BSS_ATTR to put model arenas in ESP32 PSRAM */
#endif

/* Engine-only status codes: mn_engine_status (80..83, mn_contract.h), after mn_status 0..19 and
 * mn_fe_status 64..66. The indices of mn_engine_info()'s output: mn_info_index (MN_INFO_TASK ...
 * MN_INFO_STREAMS, MN_INFO_COUNT); of mn_engine_signal()'s: mn_signal_index (MN_SIGNAL_PEAK ...
 * MN_SIGNAL_SAMPLES, MN_SIGNAL_COUNT). Both in mn_contract.h. */

/* Text for any status this library returns (never NULL). */
const char *mn_engine_status_message(int32_t status);

/* Copy the message of status into out (cap bytes, NUL-terminated, truncated if needed); returns
 * the number of bytes written without the NUL. For callers that cannot take a C string. */
int32_t mn_engine_status_text(int32_t status, uint8_t *out, int32_t cap);

/* Validate the file, check it (with n_streams states) fits this slot, then copy it in, reset the
 * front-end at its native rate and reset every stream. On any error the slot is untouched.
 * n_streams 0 checks only: the status a load with one stream would return, and the slot is left
 * as it is either way (the app validates a file this way before it reads the file's task byte,
 * so a valid model of the other task never replaces the one running). */
int32_t mn_engine_load(int32_t slot, const uint8_t *file, int32_t file_size, int32_t n_streams);

/* As mn_engine_load, but the slot reads the file where it is (mn_model_load_in_place) and needs
 * no arena: the file must stay at that address, unchanged, until the slot loads another model or
 * is unloaded — a resource of the deployed assembly (memory-mapped flash on the ESP32-S3), never a
 * managed array (the GC moves them). A file not at a multiple of MN_IN_PLACE_ALIGN gives
 * MN_ERR_ALIGN, the slot untouched. */
int32_t mn_engine_load_in_place(int32_t slot, const uint8_t *file, int32_t file_size,
                                int32_t n_streams);

/* Forget the slot's model (info then reports task 0). */
int32_t mn_engine_unload(int32_t slot);

/* info (MN_INFO_COUNT) int32 out; n must be >= MN_INFO_COUNT. */
int32_t mn_engine_info(int32_t slot, int32_t *info, int32_t n);

/* The name of class c, NUL-padded into out (cap >= MN_CLASS_NAME_BYTES bytes). */
int32_t mn_engine_class_name(int32_t slot, int32_t c, uint8_t *out, int32_t cap);

/* Reset the front-end for input at sample_rate_hz (the rate the sensor really runs at; a rate the
 * front-end refuses gives MN_FE_ERR_SAMPLE_RATE and leaves the running state intact), and reset
 * every stream. */
int32_t mn_engine_start(int32_t slot, int32_t sample_rate_hz);

/* Reset one stream's INT8 state (a new window); the front-end and the other streams run on. */
int32_t mn_engine_reset(int32_t slot, int32_t stream);

/* Steps of one stream since its reset (>= 0), or a status negated. */
int32_t mn_engine_steps(int32_t slot, int32_t stream);

/* One MPU6050 sample: counts (6) int16 = accel x y z, gyro x y z, with the configured ranges
 * (2/4/8/16 g, 250/500/1000/2000 dps). Front-end, then one step. */
int32_t mn_engine_push_imu_counts(int32_t slot, const int16_t *counts, int32_t n,
                                  int32_t accel_full_scale_g, int32_t gyro_full_scale_dps);

/* One IMU sample in physical integers: values (6) int32 = acc x y z in milli-g, gyro x y z in
 * milli-rad/s (recordings). Front-end, then one step. */
int32_t mn_engine_push_imu_physical(int32_t slot, const int32_t *values, int32_t n);

/* Audio as the I2S peripheral (or a WAV file) delivers it: n_bytes of little-endian mono samples
 * of bytes_per_sample bytes, 2 (int16) or 4 (a 32-bit slot whose top 16 bits are taken: 24/32-bit
 * I2S MEMS microphones); a whole number of 320-sample hops (else MN_FE_ERR_HOP and nothing is
 * processed), one step per hop. */
int32_t mn_engine_push_pcm(int32_t slot, const uint8_t *pcm, int32_t n_bytes,
                           int32_t bytes_per_sample);

/* One feature frame straight into the model (n == F), bypassing the front-end (tests). */
int32_t mn_engine_push_features(int32_t slot, const int8_t *features, int32_t n);

/* Classify one stream's pooled state: probs (C) Q15 probabilities out (0..32768, n >= C). Returns
 * the argmax class (>= 0), or a status negated (< 0): -MN_ERR_NO_STEPS before the first step. */
int32_t mn_engine_read(int32_t slot, int32_t stream, int32_t *probs_q15, int32_t n);

/* signal (MN_SIGNAL_COUNT) int32 out, for the last push: lets the app see silence, clipping and
 * stuck sensors without looping over samples in managed code. */
int32_t mn_engine_signal(int32_t slot, int32_t *signal, int32_t n);

#ifdef __cplusplus
}
#endif

#endif /* MN_ENGINE_H */
