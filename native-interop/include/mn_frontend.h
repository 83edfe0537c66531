/*
 * mn_frontend.h — MambaNano's sensor front-ends: IMU conditioning (HAR) and log-mel energies
 * (KWS), from sensor samples to the int8 feature frames the model consumes (mamba_nano.h).
 *
 * What this is: the one definition of the features. The device, the host runner (P/Invoke) and
 * the training tools (ctypes, tools/python/mambanano/frontend.py) all call these functions, so features
 * are bit-identical everywhere. Integer/fixed-point only in the per-sample and per-hop paths; no
 * malloc, no mutable globals (constant tables only); state and scratch are the caller's, sized by
 * companion functions (and macros, for static buffers); reset is explicit and checks the rate.
 *
 * What this is not: a feature library. Rates, windows, channels and scales are fixed here; a
 * model file names its front-end (mn_frontend in mamba_nano.h) and stores its input
 * {scale, zero_point}, which must be MN_IMU_SCALE / MN_IMU_ZERO_POINT for MN_FRONTEND_IMU and
 * MN_LOGMEL_SCALE / MN_LOGMEL_ZERO_POINT for MN_FRONTEND_LOGMEL.
 *
 * Symbols: T = IMU samples, S = PCM samples, H = hops = S / MN_AUDIO_HOP_SAMPLES,
 *          F = MN_IMU_FEATURES, M = MN_LOGMEL_FEATURES.
 *
 * Rounding: "round" below is round half away from zero unless said otherwise; right shifts of
 * negative values are arithmetic (true of every compiler we target).
 */
#ifndef MN_FRONTEND_H
#define MN_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include "mamba_nano.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: mn_fe_status (mn_contract.h). Shared meanings keep mn_status's numbers;
 * front-end-only codes start at 64, so a number names one condition across both enums. */

const char *mn_fe_status_message(mn_fe_status status);

/* =============================================================================================
 * IMU front-end (HAR), one feature frame per 50 Hz sample.
 *
 * Input (one integer path for device and recordings, after a single conversion):
 *   acc_mg       int32 (3)  acceleration incl. gravity, milli-g, clamped to +-MN_IMU_ACC_LIMIT_MG
 *   gyro_mrad_s  int32 (3)  angular rate, milli-rad/s, clamped to +-MN_IMU_GYRO_LIMIT_MRAD_S
 *   - device: MPU6050 raw int16 counts -> mn_imu_counts_to_physical() (fixed point, below);
 *   - recordings in g and rad/s (HAPT): round(value * 1000), round half to even (numpy rint,
 *     C# Math.Round's default); from m/s^2 first divide by 9.80665.
 *
 * Conditioning per sample (state: gravity in milli-g Q8, int32 (3)):
 *   gravity_q8 = acc_mg * 256 at the first sample after reset, then
 *   gravity_q8 += (acc_mg * 256 - gravity_q8 + 16) >> MN_IMU_GRAVITY_SHIFT
 *     (first-order low-pass y += (x - y) / 32: cut-off 0.25 Hz at 50 Hz, UCI HAR's split is 0.3 Hz)
 *   body_q8    = acc_mg * 256 - gravity_q8
 *
 * Output features (F = 9) int8, zero point 0, one unit = MN_IMU_SCALE = 1/32 of:
 *   [0..2] body acceleration x y z   g       q = sat8(round(body_q8 / 8000))     +-4 g
 *   [3..5] gravity x y z             g       q = sat8(round(gravity_q8 / 8000))  +-4 g
 *   [6..8] angular rate x y z        rad/s   q = sat8(round(gyro_mrad_s * 4 / 125)) +-4 rad/s
 * =============================================================================================*/
/* MN_IMU_SAMPLE_RATE_HZ, _FEATURES, _UNITS_PER_G, _UNITS_PER_RAD_S, _ZERO_POINT, _GRAVITY_SHIFT,
 * _ACC_LIMIT_MG and _GYRO_LIMIT_MRAD_S are in mn_contract.h. */
#define MN_IMU_SCALE (1.0f / MN_IMU_UNITS_PER_G) /* real value of one unit, for the model file */
#define MN_IMU_STATE_SIZE 20                     /* bytes, == mn_imu_state_size() */

enum {
    MN_IMU_BODY_X = 0,
    MN_IMU_BODY_Y,
    MN_IMU_BODY_Z,
    MN_IMU_GRAVITY_X,
    MN_IMU_GRAVITY_Y,
    MN_IMU_GRAVITY_Z,
    MN_IMU_GYRO_X,
    MN_IMU_GYRO_Y,
    MN_IMU_GYRO_Z
};

/* Bytes of IMU state (4-byte aligned): magic, gravity_q8 (3), primed flag. */
size_t mn_imu_state_size(void);

/**
 * Reset an IMU state: the next sample primes the gravity filter.
 * @param state           caller-owned, >= mn_imu_state_size() bytes, 4-byte aligned
 * @param sample_rate_hz  the sensor's actual output rate; must be MN_IMU_SAMPLE_RATE_HZ, else
 *                        MN_FE_ERR_SAMPLE_RATE (and the state is left unusable)
 */
mn_fe_status mn_imu_reset(void *state, size_t state_size, int32_t sample_rate_hz);

/**
 * MPU6050 raw counts -> physical integers, fixed point:
 *   acc_mg      = (counts * 1000 * accel_full_scale_g + 2^14) >> 15   (32768 / full scale LSB per g)
 *   gyro_mrad_s = (counts * K[gyro_full_scale_dps] + 2^14) >> 15, K = round(2^15 * 1000 * pi / 180 / sens),
 *                 sens = 131, 65.5, 32.8, 16.4 LSB/(deg/s) (datasheet) -> K = 4366, 8731, 17436, 34873
 * @param accel_full_scale_g   accelerometer full-scale range: 2, 4, 8 or 16 (g), else MN_FE_ERR_FULL_SCALE
 * @param gyro_full_scale_dps  gyroscope full-scale range: 250, 500, 1000 or 2000 (deg/s), else the same
 * @param acc_counts   (3) int16 x y z as read from ACCEL_XOUT_H.. (big-endian pairs already joined)
 * @param gyro_counts  (3) int16 x y z from GYRO_XOUT_H..
 * @param acc_mg       (3) out
 * @param gyro_mrad_s  (3) out
 */
mn_fe_status mn_imu_counts_to_physical(int32_t accel_full_scale_g, int32_t gyro_full_scale_dps,
                                       const int16_t *acc_counts, const int16_t *gyro_counts,
                                       int32_t *acc_mg, int32_t *gyro_mrad_s);

/**
 * One 50 Hz sample -> one feature frame.
 * @param acc_mg       (3) milli-g, any value (clamped to +-MN_IMU_ACC_LIMIT_MG)
 * @param gyro_mrad_s  (3) milli-rad/s, any value (clamped to +-MN_IMU_GYRO_LIMIT_MRAD_S)
 * @param features     (F) int8 out
 */
mn_fe_status mn_imu_step_s8(void *state, size_t state_size, const int32_t *acc_mg,
                            const int32_t *gyro_mrad_s, int8_t *features);

/* The device path: mn_imu_counts_to_physical() then mn_imu_step_s8(). */
mn_fe_status mn_imu_step_counts_s8(void *state, size_t state_size, int32_t accel_full_scale_g,
                                   int32_t gyro_full_scale_dps, const int16_t *acc_counts,
                                   const int16_t *gyro_counts, int8_t *features);

/**
 * A recording: n_samples consecutive mn_imu_step_s8() calls (identical results).
 * @param acc_mg       (T, 3) row-major     @param gyro_mrad_s (T, 3)
 * @param n_samples    T >= 0               @param features    (T, F) out
 */
mn_fe_status mn_imu_run_s8(void *state, size_t state_size, const int32_t *acc_mg,
                           const int32_t *gyro_mrad_s, int32_t n_samples, int8_t *features);

/* A recording of raw counts: acc_counts, gyro_counts (T, 3) -> features (T, F). */
mn_fe_status mn_imu_run_counts_s8(void *state, size_t state_size, int32_t accel_full_scale_g,
                                  int32_t gyro_full_scale_dps, const int16_t *acc_counts,
                                  const int16_t *gyro_counts, int32_t n_samples, int8_t *features);

/* =============================================================================================
 * Audio front-end (KWS): log-mel energies, one feature frame per 20 ms hop of 16 kHz PCM.
 *
 * Each hop of 320 new samples ends a 512-sample window (32 ms) whose first 192 samples are the
 * previous hop's tail, carried in the state (zeros after reset). Per window x (512) int16:
 *   x'   = x - mid, mid = (min(x) + max(x)) >> 1  frame offset removed (Hann keeps a constant
 *                                                 out of bins >= 2: mid only sets the headroom)
 *   X[k] = sum_n x'[n] hann[n] e^(-2 pi i k n / 512)   periodic Hann, unnormalized real DFT
 *   P[k] = |X[k]|^2                               power in int16 counts^2
 *   E[m] = sum_k W[m,k] P[k]                      HTK-mel triangles of unit peak, 40 bands over
 *                                                 125..7500 Hz (the TFLite Micro speech front-end's
 *                                                 band), spanning FFT bins 4..239
 *   q[m] = sat8(round(6 * log2(E[m])) - 144)      = round(6 * (log2(E[m]) - 24)); E = 0 -> -128
 * Output features (M = 40) int8, zero point 0, one unit = MN_LOGMEL_SCALE = 1/6 of log2 of mel
 * power (0.50 dB): real value = log2(E / 2^24). The range covers E in [2^2.7, 2^45.2] (128 dB):
 * int16 quantization noise of a digital silence up to a full-scale tone.
 *
 * Fixed point: the window is scaled by 2^s so its peak is in [2^13, 2^14) (block floating point,
 * s from the frame's peak |x'|); 256-point complex radix-4 FFT of the packed real frame (int16
 * data, Q15 twiddles, 1/4 per stage: no overflow for any input), real split (1/2), P in uint32, E
 * in uint64, log2 by a 64-segment interpolated table; the exponent s returns in the log domain.
 * Accuracy: within 1 unit of the float definition above wherever E is well above the
 * fixed-point noise floor, which lies about 40 dB (80 units) under the frame's loudest band;
 * below it the features show that floor instead (tolerances named in tools/python/tests/test_frontend.py).
 * =============================================================================================*/
/* MN_AUDIO_SAMPLE_RATE_HZ, MN_AUDIO_HOP_SAMPLES, MN_AUDIO_WINDOW_SAMPLES (also the FFT size),
 * MN_LOGMEL_FEATURES, _LOW_HZ, _HIGH_HZ, _UNITS_PER_LOG2, _LOG2_REF (q = 0 at E = 2^24) and
 * _ZERO_POINT are in mn_contract.h. */
/* Real value of one unit (log2 of power), for the model file. */
#define MN_LOGMEL_SCALE (1.0f / MN_LOGMEL_UNITS_PER_LOG2)
/* Bytes, == mn_logmel_state_size(): magic, overlap min, max + 192 int16. */
#define MN_LOGMEL_STATE_SIZE 392
/* Bytes, == mn_logmel_scratch_size(): FFT (256, 2) int16 + per mel interval (M + 1) uint64
 * + (M + 1) uint32 + pad. */
#define MN_LOGMEL_SCRATCH_SIZE 1520

size_t mn_logmel_state_size(void);   /* 4-byte aligned */
size_t mn_logmel_scratch_size(void); /* 8-byte aligned; contents do not outlive a call */

/**
 * Reset a log-mel state: the overlap becomes 192 zero samples.
 * @param sample_rate_hz  the microphone's actual rate; must be MN_AUDIO_SAMPLE_RATE_HZ, else
 *                        MN_FE_ERR_SAMPLE_RATE (and the state is left unusable)
 */
mn_fe_status mn_logmel_reset(void *state, size_t state_size, int32_t sample_rate_hz);

/**
 * One hop -> one feature frame.
 * @param scratch   caller-owned, >= mn_logmel_scratch_size() bytes, 8-byte aligned
 * @param pcm       (MN_AUDIO_HOP_SAMPLES) int16, any values
 * @param features  (M) int8 out
 */
mn_fe_status mn_logmel_step_s8(void *state, size_t state_size, void *scratch, size_t scratch_size,
                               const int16_t *pcm, int8_t *features);

/**
 * Whole hops: n_samples / MN_AUDIO_HOP_SAMPLES consecutive mn_logmel_step_s8() calls.
 * @param pcm        (S) int16       @param n_samples S >= 0, a multiple of MN_AUDIO_HOP_SAMPLES,
 *                                                    else MN_FE_ERR_HOP (nothing processed)
 * @param features   (H, M) int8 out
 */
mn_fe_status mn_logmel_run_s8(void *state, size_t state_size, void *scratch, size_t scratch_size,
                              const int16_t *pcm, int32_t n_samples, int8_t *features);

/* =============================================================================================
 * Conformance: CRC-32 (mn_crc32 from 0, zlib's) of the features of two check signals. Every
 * build of the front-ends (host, device, through ctypes or P/Invoke) must reproduce them; a
 * change to either front-end's arithmetic changes them, and invalidates trained models (retrain).
 * Values: r = r * 1664525 + 1013904223 (uint32, from r = 1), v = (int32)(r >> 16) - 32768.
 *   audio: MN_LOGMEL_CHECK_HOPS hops from reset; sample n of hop h = (v >> (h % 12)) +
 *          (h odd ? 3000 : 0); features (H, M) as bytes.
 *   imu:   MN_IMU_CHECK_SAMPLES samples from reset through mn_imu_run_counts_s8 at 4 g / 500 dps;
 *          per sample six v's: acc x y z = (v >> 2) (+ 8192 on z), then gyro x y z = v >> 2.
 * =============================================================================================*/
#define MN_LOGMEL_CHECK_HOPS 25
#define MN_LOGMEL_CHECK_CRC32 0x52bf56d0u
#define MN_IMU_CHECK_SAMPLES 200
#define MN_IMU_CHECK_CRC32 0xbd296749u

#ifdef __cplusplus
}
#endif
#endif /* MN_FRONTEND_H */
