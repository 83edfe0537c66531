/*
 * bench_frontend.c — the front-ends' per-call cost, for counting under callgrind
 * (tools/scripts/bench_frontend.sh): `bench_frontend audio <hops>` runs mn_logmel_step_s8() on <hops>
 * hops of a deterministic speech-like signal (harmonic tone with vibrato plus noise, changing
 * level), `bench_frontend imu <samples>` runs mn_imu_step_counts_s8() on MPU6050 counts.
 * It prints the state and scratch sizes and a checksum of the features (so the work is kept);
 * timing is not its job: callgrind's instruction counts are, since this build (-O2, no
 * auto-vectorization) models a scalar MCU core.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mn_frontend.h"

static uint32_t lcg(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return *seed >> 8;
}

static int bench_audio(long hops)
{
    static uint32_t state[MN_LOGMEL_STATE_SIZE / 4];
    static uint64_t scratch[MN_LOGMEL_SCRATCH_SIZE / 8];
    int16_t pcm[MN_AUDIO_HOP_SAMPLES]; /* (hop) */
    int8_t features[MN_LOGMEL_FEATURES];
    uint32_t seed = 1, checksum = 0;
    if (mn_logmel_reset(state, sizeof(state), MN_AUDIO_SAMPLE_RATE_HZ) != MN_FE_OK) {
        return 1;
    }
    for (long h = 0; h < hops; h++) {
        const double level = 300.0 + 2000.0 * (double)(h % 25); /* 40 dB of level changes */
        for (int n = 0; n < MN_AUDIO_HOP_SAMPLES; n++) {
            const double t = (double)(h * MN_AUDIO_HOP_SAMPLES + n) / MN_AUDIO_SAMPLE_RATE_HZ;
            const double f0 = 140.0 + 20.0 * sin(2.0 * 3.14159265 * 3.0 * t);
            double v = 0.0;
            for (int k = 1; k <= 8; k++) {
                v += sin(2.0 * 3.14159265 * f0 * k * t) / k;
            }
            v = level * v + (double)((int32_t)(lcg(&seed) & 0x3FF) - 512);
            pcm[n] = (int16_t)(v > 32767.0 ? 32767.0 : (v < -32768.0 ? -32768.0 : v));
        }
        if (mn_logmel_step_s8(state, sizeof(state), scratch, sizeof(scratch), pcm, features) !=
            MN_FE_OK) {
            return 1;
        }
        for (int m = 0; m < MN_LOGMEL_FEATURES; m++) {
            checksum = checksum * 31u + (uint8_t)features[m];
        }
    }
    printf("audio: %ld hops, state %zu B, scratch %zu B, checksum %08x\n", hops,
           mn_logmel_state_size(), mn_logmel_scratch_size(), (unsigned)checksum);
    return 0;
}

static int bench_imu(long samples)
{
    static uint32_t state[MN_IMU_STATE_SIZE / 4];
    int16_t acc_counts[3], gyro_counts[3];
    int8_t features[MN_IMU_FEATURES];
    uint32_t seed = 7, checksum = 0;
    if (mn_imu_reset(state, sizeof(state), MN_IMU_SAMPLE_RATE_HZ) != MN_FE_OK) {
        return 1;
    }
    for (long t = 0; t < samples; t++) {
        for (int i = 0; i < 3; i++) {
            acc_counts[i] = (int16_t)((i == 2 ? 8192 : 0) + (int32_t)(lcg(&seed) & 0xFFF) - 2048);
            gyro_counts[i] = (int16_t)((int32_t)(lcg(&seed) & 0x1FFF) - 4096);
        }
        if (mn_imu_step_counts_s8(state, sizeof(state), 4, 500, acc_counts, gyro_counts,
                                  features) != MN_FE_OK) {
            return 1;
        }
        for (int f = 0; f < MN_IMU_FEATURES; f++) {
            checksum = checksum * 31u + (uint8_t)features[f];
        }
    }
    printf("imu: %ld samples, state %zu B, scratch 0 B, checksum %08x\n", samples,
           mn_imu_state_size(), (unsigned)checksum);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || atol(argv[2]) <= 0) {
        fprintf(stderr, "usage: bench_frontend audio|imu <count>\n");
        return 2;
    }
    if (strcmp(argv[1], "audio") == 0) {
        return bench_audio(atol(argv[2]));
    }
    if (strcmp(argv[1], "imu") == 0) {
        return bench_imu(atol(argv[2]));
    }
    fprintf(stderr, "unknown front-end '%s'\n", argv[1]);
    return 2;
}
