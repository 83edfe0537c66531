/*
 * mn_frontend_imu.c — the IMU front-end (mn_frontend.h): MPU6050 counts or milli-g / milli-rad/s
 * -> body acceleration, gravity and angular rate as int8 at 1/32 g and 1/32 rad/s per unit.
 *
 * Integer only, no malloc, no globals but constant tables. Per sample: 3 clamps, a first-order
 * low-pass per axis (add, shift) and 9 rounding divisions by constants (multiply-shift after
 * compilation). Also mn_fe_status_message() for both front-ends.
 */
#include "mn_frontend.h"

#define MN_IMU_STATE_MAGIC 0x31554D49u /* "IMU1" */

/* State layout: 20 bytes, 4-byte aligned. */
typedef struct {
    uint32_t magic;        /* MN_IMU_STATE_MAGIC once reset at the right rate */
    int32_t gravity_q8[3]; /* (3) low-passed acceleration, milli-g * 256 */
    uint32_t primed;       /* 0 until the first sample after reset */
} mn_imu_state;

typedef char mn_imu_state_size_check[(sizeof(mn_imu_state) == MN_IMU_STATE_SIZE) ? 1 : -1];

const char *mn_fe_status_message(mn_fe_status status)
{
    switch (status) {
#define MN_FE_STATUS_CASE(code, message) \
    case code: return message;
        MN_FE_STATUS_MESSAGES(MN_FE_STATUS_CASE)
#undef MN_FE_STATUS_CASE
    }
    return "unknown front-end status";
}

size_t mn_imu_state_size(void) { return sizeof(mn_imu_state); }

static mn_imu_state *mn_imu_state_ok(void *state, size_t state_size, mn_fe_status *status)
{
    if (state == NULL || ((uintptr_t)state & 3u) != 0) {
        *status = MN_FE_ERR_ARG;
        return NULL;
    }
    if (state_size < sizeof(mn_imu_state)) {
        *status = MN_FE_ERR_BUFFER_TOO_SMALL;
        return NULL;
    }
    mn_imu_state *s = (mn_imu_state *)state;
    if (s->magic != MN_IMU_STATE_MAGIC) {
        *status = MN_FE_ERR_NOT_RESET;
        return NULL;
    }
    *status = MN_FE_OK;
    return s;
}

mn_fe_status mn_imu_reset(void *state, size_t state_size, int32_t sample_rate_hz)
{
    if (state == NULL || ((uintptr_t)state & 3u) != 0) {
        return MN_FE_ERR_ARG;
    }
    if (state_size < sizeof(mn_imu_state)) {
        return MN_FE_ERR_BUFFER_TOO_SMALL;
    }
    mn_imu_state *s = (mn_imu_state *)state;
    s->magic = 0;
    s->gravity_q8[0] = s->gravity_q8[1] = s->gravity_q8[2] = 0;
    s->primed = 0;
    if (sample_rate_hz != MN_IMU_SAMPLE_RATE_HZ) {
        return MN_FE_ERR_SAMPLE_RATE;
    }
    s->magic = MN_IMU_STATE_MAGIC;
    return MN_FE_OK;
}

/* round(num / den), half away from zero, den > 0. */
static int32_t mn_div_round(int32_t num, int32_t den)
{
    return num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
}

static int32_t mn_clamp32(int32_t v, int32_t lim) { return v > lim ? lim : (v < -lim ? -lim : v); }

static int8_t mn_sat8(int32_t v) { return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v)); }

/* Gyro counts -> milli-rad/s multipliers, Q15: round(2^15 * 1000 * pi / 180 / sens). */
static int32_t mn_gyro_mult_q15(int32_t gyro_full_scale_dps)
{
    switch (gyro_full_scale_dps) {
    case 250: return 4366;   /* 131 LSB/(deg/s) */
    case 500: return 8731;   /* 65.5 */
    case 1000: return 17436; /* 32.8 */
    case 2000: return 34873; /* 16.4 */
    default: return 0;
    }
}

mn_fe_status mn_imu_counts_to_physical(int32_t accel_full_scale_g, int32_t gyro_full_scale_dps,
                                       const int16_t *acc_counts, const int16_t *gyro_counts,
                                       int32_t *acc_mg, int32_t *gyro_mrad_s)
{
    if (acc_counts == NULL || gyro_counts == NULL || acc_mg == NULL || gyro_mrad_s == NULL) {
        return MN_FE_ERR_ARG;
    }
    const int32_t gyro_mult = mn_gyro_mult_q15(gyro_full_scale_dps);
    if ((accel_full_scale_g != 2 && accel_full_scale_g != 4 && accel_full_scale_g != 8 &&
         accel_full_scale_g != 16) ||
        gyro_mult == 0) {
        return MN_FE_ERR_FULL_SCALE;
    }
    const int32_t acc_mult =
        1000 * accel_full_scale_g; /* |counts * acc_mult| <= 2^15 * 16000 < 2^29 */
    for (int i = 0; i < 3; i++) {
        acc_mg[i] = (acc_counts[i] * acc_mult + (1 << 14)) >> 15;
        gyro_mrad_s[i] = (gyro_counts[i] * gyro_mult + (1 << 14)) >> 15; /* < 2^15 * 34873 < 2^31 */
    }
    return MN_FE_OK;
}

/* One sample on a validated state. */
static void mn_imu_step(mn_imu_state *s, const int32_t *acc_mg, const int32_t *gyro_mrad_s,
                        int8_t *features)
{
    for (int i = 0; i < 3; i++) {
        const int32_t a_q8 = mn_clamp32(acc_mg[i], MN_IMU_ACC_LIMIT_MG) * 256; /* |.| < 2^22 */
        int32_t g_q8 = s->gravity_q8[i];
        if (s->primed) {
            g_q8 += (a_q8 - g_q8 + (1 << (MN_IMU_GRAVITY_SHIFT - 1))) >> MN_IMU_GRAVITY_SHIFT;
        } else {
            g_q8 = a_q8;
        }
        s->gravity_q8[i] = g_q8;
        /* one unit = 1/32 g = 1000/32 milli-g = 8000 in milli-g Q8 */
        features[MN_IMU_BODY_X + i] = mn_sat8(mn_div_round(a_q8 - g_q8, 8000));
        features[MN_IMU_GRAVITY_X + i] = mn_sat8(mn_div_round(g_q8, 8000));
        /* one unit = 1/32 rad/s = 125/4 milli-rad/s */
        const int32_t w = mn_clamp32(gyro_mrad_s[i], MN_IMU_GYRO_LIMIT_MRAD_S);
        features[MN_IMU_GYRO_X + i] = mn_sat8(mn_div_round(w * 4, 125));
    }
    s->primed = 1;
}

mn_fe_status mn_imu_step_s8(void *state, size_t state_size, const int32_t *acc_mg,
                            const int32_t *gyro_mrad_s, int8_t *features)
{
    mn_fe_status status;
    mn_imu_state *s = mn_imu_state_ok(state, state_size, &status);
    if (s == NULL) {
        return status;
    }
    if (acc_mg == NULL || gyro_mrad_s == NULL || features == NULL) {
        return MN_FE_ERR_ARG;
    }
    mn_imu_step(s, acc_mg, gyro_mrad_s, features);
    return MN_FE_OK;
}

mn_fe_status mn_imu_step_counts_s8(void *state, size_t state_size, int32_t accel_full_scale_g,
                                   int32_t gyro_full_scale_dps, const int16_t *acc_counts,
                                   const int16_t *gyro_counts, int8_t *features)
{
    mn_fe_status status;
    mn_imu_state *s = mn_imu_state_ok(state, state_size, &status);
    if (s == NULL) {
        return status;
    }
    if (features == NULL) {
        return MN_FE_ERR_ARG;
    }
    int32_t acc_mg[3], gyro_mrad_s[3];
    status = mn_imu_counts_to_physical(accel_full_scale_g, gyro_full_scale_dps, acc_counts,
                                       gyro_counts, acc_mg, gyro_mrad_s);
    if (status != MN_FE_OK) {
        return status;
    }
    mn_imu_step(s, acc_mg, gyro_mrad_s, features);
    return MN_FE_OK;
}

mn_fe_status mn_imu_run_s8(void *state, size_t state_size, const int32_t *acc_mg,
                           const int32_t *gyro_mrad_s, int32_t n_samples, int8_t *features)
{
    mn_fe_status status;
    mn_imu_state *s = mn_imu_state_ok(state, state_size, &status);
    if (s == NULL) {
        return status;
    }
    if (n_samples < 0 ||
        (n_samples > 0 && (acc_mg == NULL || gyro_mrad_s == NULL || features == NULL))) {
        return MN_FE_ERR_ARG;
    }
    for (int32_t t = 0; t < n_samples; t++) {
        mn_imu_step(s, acc_mg + 3 * t, gyro_mrad_s + 3 * t, features + MN_IMU_FEATURES * t);
    }
    return MN_FE_OK;
}

mn_fe_status mn_imu_run_counts_s8(void *state, size_t state_size, int32_t accel_full_scale_g,
                                  int32_t gyro_full_scale_dps, const int16_t *acc_counts,
                                  const int16_t *gyro_counts, int32_t n_samples, int8_t *features)
{
    mn_fe_status status;
    mn_imu_state *s = mn_imu_state_ok(state, state_size, &status);
    if (s == NULL) {
        return status;
    }
    if (n_samples < 0 ||
        (n_samples > 0 && (acc_counts == NULL || gyro_counts == NULL || features == NULL))) {
        return MN_FE_ERR_ARG;
    }
    if (mn_gyro_mult_q15(gyro_full_scale_dps) == 0 ||
        (accel_full_scale_g != 2 && accel_full_scale_g != 4 && accel_full_scale_g != 8 &&
         accel_full_scale_g != 16)) {
        return MN_FE_ERR_FULL_SCALE;
    }
    for (int32_t t = 0; t < n_samples; t++) {
        int32_t acc_mg[3], gyro_mrad_s[3];
        (void)mn_imu_counts_to_physical(accel_full_scale_g, gyro_full_scale_dps, acc_counts + 3 * t,
                                        gyro_counts + 3 * t, acc_mg, gyro_mrad_s);
        mn_imu_step(s, acc_mg, gyro_mrad_s, features + MN_IMU_FEATURES * t);
    }
    return MN_FE_OK;
}
