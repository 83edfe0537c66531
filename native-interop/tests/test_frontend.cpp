// Tests of the sensor front-ends (mn_frontend.h): argument and rate checks, IMU conditioning and
// MPU6050 conversion, log-mel behaviour on the edge signals (silence, DC offset, full-scale
// clipping, white noise), chunking invariance, and the conformance checksums of the header's
// check signals (the same checksums tools/python/tests/test_frontend.py reaches through ctypes).
// Accuracy against the float definition is tested in Python, where numpy provides it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "mn_frontend.h"

namespace {

// The header's check-signal generator: r = r * 1664525 + 1013904223 from r = 1, value = r >> 16.
struct Lcg {
    uint32_t r = 1;
    int32_t next16() // [-32768, 32767]
    {
        r = r * 1664525u + 1013904223u;
        return (int32_t)(r >> 16) - 32768;
    }
};

struct Logmel {
    std::vector<uint32_t> state = std::vector<uint32_t>(MN_LOGMEL_STATE_SIZE / 4);
    std::vector<uint64_t> scratch = std::vector<uint64_t>(MN_LOGMEL_SCRATCH_SIZE / 8);
    Logmel()
    {
        EXPECT_EQ(mn_logmel_reset(state.data(), MN_LOGMEL_STATE_SIZE, MN_AUDIO_SAMPLE_RATE_HZ),
                  MN_FE_OK);
    }
    // pcm: (S) whole hops -> (H, M)
    std::vector<int8_t> run(const std::vector<int16_t> &pcm)
    {
        std::vector<int8_t> out(pcm.size() / MN_AUDIO_HOP_SAMPLES * MN_LOGMEL_FEATURES);
        EXPECT_EQ(mn_logmel_run_s8(state.data(), MN_LOGMEL_STATE_SIZE, scratch.data(),
                                   MN_LOGMEL_SCRATCH_SIZE, pcm.data(), (int32_t)pcm.size(),
                                   out.data()),
                  MN_FE_OK);
        return out;
    }
};

std::vector<int16_t> white_noise(int hops, int shift, int32_t dc, uint32_t seed = 1)
{
    Lcg lcg;
    lcg.r = seed;
    std::vector<int16_t> pcm((size_t)hops * MN_AUDIO_HOP_SAMPLES);
    for (auto &v : pcm) {
        v = (int16_t)((lcg.next16() >> shift) + dc);
    }
    return pcm;
}

const int8_t *frame(const std::vector<int8_t> &f, int h)
{
    return f.data() + (size_t)h * MN_LOGMEL_FEATURES;
}

// ---- sizes, arguments, rates -------------------------------------------------------------------

TEST(Frontend, SizesMatchTheHeaderMacros)
{
    EXPECT_EQ(mn_imu_state_size(), (size_t)MN_IMU_STATE_SIZE);
    EXPECT_EQ(mn_logmel_state_size(), (size_t)MN_LOGMEL_STATE_SIZE);
    EXPECT_EQ(mn_logmel_scratch_size(), (size_t)MN_LOGMEL_SCRATCH_SIZE);
    EXPECT_LE(MN_LOGMEL_STATE_SIZE + MN_LOGMEL_SCRATCH_SIZE, 8192)
        << "audio budget: 8 KB state + scratch";
}

TEST(Frontend, ResetRefusesAWrongSampleRate)
{
    uint32_t imu[MN_IMU_STATE_SIZE / 4];
    int32_t acc_mg[3] = {0, 0, 1000}, gyro[3] = {0, 0, 0};
    int8_t f[MN_IMU_FEATURES];
    EXPECT_EQ(mn_imu_reset(imu, sizeof(imu), 100), MN_FE_ERR_SAMPLE_RATE);
    EXPECT_EQ(mn_imu_step_s8(imu, sizeof(imu), acc_mg, gyro, f), MN_FE_ERR_NOT_RESET);
    EXPECT_EQ(mn_imu_reset(imu, sizeof(imu), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    EXPECT_EQ(mn_imu_step_s8(imu, sizeof(imu), acc_mg, gyro, f), MN_FE_OK);

    Logmel lm;
    EXPECT_EQ(mn_logmel_reset(lm.state.data(), MN_LOGMEL_STATE_SIZE, 8000), MN_FE_ERR_SAMPLE_RATE);
    std::vector<int16_t> hop(MN_AUDIO_HOP_SAMPLES, 0);
    int8_t out[MN_LOGMEL_FEATURES];
    EXPECT_EQ(mn_logmel_step_s8(lm.state.data(), MN_LOGMEL_STATE_SIZE, lm.scratch.data(),
                                MN_LOGMEL_SCRATCH_SIZE, hop.data(), out),
              MN_FE_ERR_NOT_RESET);
    EXPECT_STREQ(mn_fe_status_message(MN_FE_ERR_SAMPLE_RATE),
                 "sample rate refused: IMU needs 50 Hz, audio 16000 Hz");
}

TEST(Frontend, ArgumentErrorsHaveTheirOwnStatus)
{
    uint32_t imu[MN_IMU_STATE_SIZE / 4] = {0};
    int32_t acc_mg[3] = {0, 0, 1000}, gyro[3] = {0, 0, 0};
    int8_t f[MN_IMU_FEATURES];
    EXPECT_EQ(mn_imu_step_s8(imu, sizeof(imu), acc_mg, gyro, f), MN_FE_ERR_NOT_RESET)
        << "zeroed, never reset";
    EXPECT_EQ(mn_imu_reset(imu, MN_IMU_STATE_SIZE - 1, MN_IMU_SAMPLE_RATE_HZ),
              MN_FE_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(mn_imu_reset(nullptr, MN_IMU_STATE_SIZE, MN_IMU_SAMPLE_RATE_HZ), MN_FE_ERR_ARG);
    ASSERT_EQ(mn_imu_reset(imu, sizeof(imu), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    EXPECT_EQ(mn_imu_step_s8(imu, sizeof(imu), nullptr, gyro, f), MN_FE_ERR_ARG);
    EXPECT_EQ(mn_imu_run_s8(imu, sizeof(imu), acc_mg, gyro, -1, f), MN_FE_ERR_ARG);
    EXPECT_EQ(mn_imu_run_s8(imu, sizeof(imu), nullptr, nullptr, 0, nullptr), MN_FE_OK)
        << "zero samples";

    Logmel lm;
    std::vector<int16_t> pcm(MN_AUDIO_HOP_SAMPLES * 2 + 1, 0);
    std::vector<int8_t> out(3 * MN_LOGMEL_FEATURES);
    EXPECT_EQ(mn_logmel_run_s8(lm.state.data(), MN_LOGMEL_STATE_SIZE, lm.scratch.data(),
                               MN_LOGMEL_SCRATCH_SIZE, pcm.data(), (int32_t)pcm.size(), out.data()),
              MN_FE_ERR_HOP);
    EXPECT_EQ(mn_logmel_run_s8(lm.state.data(), MN_LOGMEL_STATE_SIZE, lm.scratch.data(),
                               MN_LOGMEL_SCRATCH_SIZE - 1, pcm.data(), MN_AUDIO_HOP_SAMPLES,
                               out.data()),
              MN_FE_ERR_BUFFER_TOO_SMALL);
    uint8_t *misaligned = reinterpret_cast<uint8_t *>(lm.scratch.data()) + 4;
    EXPECT_EQ(mn_logmel_run_s8(lm.state.data(), MN_LOGMEL_STATE_SIZE, misaligned,
                               MN_LOGMEL_SCRATCH_SIZE, pcm.data(), MN_AUDIO_HOP_SAMPLES,
                               out.data()),
              MN_FE_ERR_ARG);
}

// ---- IMU ---------------------------------------------------------------------------------------

TEST(FrontendImu, AtRestGravityIsOneGAndTheFirstSamplePrimesTheFilter)
{
    uint32_t s[MN_IMU_STATE_SIZE / 4];
    ASSERT_EQ(mn_imu_reset(s, sizeof(s), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    const int32_t acc_mg[3] = {0, -500, 866}, gyro[3] = {1000, -2000, 31};
    int8_t f[MN_IMU_FEATURES];
    for (int t = 0; t < 3; t++) {
        ASSERT_EQ(mn_imu_step_s8(s, sizeof(s), acc_mg, gyro, f), MN_FE_OK);
        const int8_t expect[MN_IMU_FEATURES] = {0,  0,  0,   0, -16,
                                                28, 32, -64, 1}; // round(x * 32 / 1000)
        EXPECT_EQ(0, std::memcmp(f, expect, sizeof(expect))) << "sample " << t;
    }
}

TEST(FrontendImu, GravityFollowsAStepWithTheDocumentedTimeConstant)
{
    uint32_t s[MN_IMU_STATE_SIZE / 4];
    ASSERT_EQ(mn_imu_reset(s, sizeof(s), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    const int32_t gyro[3] = {0, 0, 0}, down[3] = {0, 0, 1000}, side[3] = {1000, 0, 0};
    int8_t f[MN_IMU_FEATURES];
    ASSERT_EQ(mn_imu_step_s8(s, sizeof(s), down, gyro, f), MN_FE_OK);
    // After n samples of the new orientation, gravity x = 1 - (31/32)^n of 1 g.
    for (int n = 1; n <= 150; n++) {
        ASSERT_EQ(mn_imu_step_s8(s, sizeof(s), side, gyro, f), MN_FE_OK);
        const double gx = 32.0 * (1.0 - std::pow(31.0 / 32.0, n));
        EXPECT_NEAR(f[MN_IMU_GRAVITY_X], gx, 1.0) << n;
        EXPECT_NEAR(f[MN_IMU_BODY_X], 32.0 - gx, 1.0) << n;
        EXPECT_NEAR(f[MN_IMU_GRAVITY_Z], 32.0 - gx, 1.0) << n;
    }
}

TEST(FrontendImu, ExtremeInputsSaturateWithoutOverflow)
{
    uint32_t s[MN_IMU_STATE_SIZE / 4];
    ASSERT_EQ(mn_imu_reset(s, sizeof(s), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    const int32_t big[3] = {INT32_MAX, INT32_MIN, 0}, gyro[3] = {INT32_MIN, INT32_MAX, 0};
    const int32_t neg[3] = {INT32_MIN, INT32_MAX, 0};
    int8_t f[MN_IMU_FEATURES];
    ASSERT_EQ(mn_imu_step_s8(s, sizeof(s), big, gyro, f), MN_FE_OK);
    EXPECT_EQ(f[MN_IMU_GRAVITY_X], 127);
    EXPECT_EQ(f[MN_IMU_GRAVITY_Y], -128);
    EXPECT_EQ(f[MN_IMU_GYRO_X], -128);
    EXPECT_EQ(f[MN_IMU_GYRO_Y], 127);
    ASSERT_EQ(mn_imu_step_s8(s, sizeof(s), neg, gyro, f), MN_FE_OK); // a 32 g swing
    EXPECT_EQ(f[MN_IMU_BODY_X], -128);
    EXPECT_EQ(f[MN_IMU_BODY_Y], 127);
}

TEST(FrontendImu, CountsConvertAtEveryFullScaleRange)
{
    const int32_t accel_full_scale_g[4] = {2, 4, 8, 16},
                  gyro_full_scale_dps[4] = {250, 500, 1000, 2000};
    const double gyro_sens[4] = {131.0, 65.5, 32.8, 16.4}; // LSB per deg/s (datasheet)
    for (int r = 0; r < 4; r++) {
        for (int32_t c : {-32768, -16384, -1, 0, 1, 131, 12345, 32767}) {
            const int16_t ac[3] = {(int16_t)c, (int16_t)(-c / 2), 0},
                          gc[3] = {(int16_t)c, 0, (int16_t)(c / 3)};
            int32_t acc_mg[3], gyro[3];
            ASSERT_EQ(mn_imu_counts_to_physical(accel_full_scale_g[r], gyro_full_scale_dps[r], ac,
                                                gc, acc_mg, gyro),
                      MN_FE_OK);
            for (int i = 0; i < 3; i++) {
                EXPECT_NEAR(acc_mg[i], ac[i] * 1000.0 * accel_full_scale_g[r] / 32768.0,
                            0.5 + 1e-9);
                // 0.5 rounding + the Q15 multiplier's error (< 1.2e-4 relative)
                const double want = gc[i] / gyro_sens[r] * M_PI / 180.0 * 1000.0;
                EXPECT_NEAR(gyro[i], want, 0.5 + 1.2e-4 * std::fabs(want));
            }
        }
    }
    const int16_t z[3] = {0, 0, 0};
    int32_t a[3], g[3];
    EXPECT_EQ(mn_imu_counts_to_physical(3, 250, z, z, a, g), MN_FE_ERR_FULL_SCALE);
    EXPECT_EQ(mn_imu_counts_to_physical(2, 300, z, z, a, g), MN_FE_ERR_FULL_SCALE);
}

TEST(FrontendImu, RunEqualsStepsAndCountsPathEqualsPhysicalPath)
{
    const int T = 300;
    Lcg lcg;
    std::vector<int16_t> acc_counts(3 * T), gyro_counts(3 * T);
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < 3; i++) {
            acc_counts[3 * t + i] = (int16_t)((lcg.next16() >> 2) + (i == 2 ? 8192 : 0));
        }
        for (int i = 0; i < 3; i++) {
            gyro_counts[3 * t + i] = (int16_t)(lcg.next16() >> 2);
        }
    }
    uint32_t s1[MN_IMU_STATE_SIZE / 4], s2[MN_IMU_STATE_SIZE / 4], s3[MN_IMU_STATE_SIZE / 4];
    ASSERT_EQ(mn_imu_reset(s1, sizeof(s1), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    ASSERT_EQ(mn_imu_reset(s2, sizeof(s2), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    ASSERT_EQ(mn_imu_reset(s3, sizeof(s3), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    std::vector<int8_t> by_run(T * MN_IMU_FEATURES), by_step(T * MN_IMU_FEATURES),
        by_phys(T * MN_IMU_FEATURES);
    std::vector<int32_t> acc_mg(3 * T), gyro_mrad_s(3 * T);
    ASSERT_EQ(mn_imu_run_counts_s8(s1, sizeof(s1), 4, 500, acc_counts.data(), gyro_counts.data(), T,
                                   by_run.data()),
              MN_FE_OK);
    for (int t = 0; t < T; t++) {
        ASSERT_EQ(mn_imu_step_counts_s8(s2, sizeof(s2), 4, 500, &acc_counts[3 * t],
                                        &gyro_counts[3 * t], &by_step[MN_IMU_FEATURES * t]),
                  MN_FE_OK);
        ASSERT_EQ(mn_imu_counts_to_physical(4, 500, &acc_counts[3 * t], &gyro_counts[3 * t],
                                            &acc_mg[3 * t], &gyro_mrad_s[3 * t]),
                  MN_FE_OK);
    }
    ASSERT_EQ(mn_imu_run_s8(s3, sizeof(s3), acc_mg.data(), gyro_mrad_s.data(), T, by_phys.data()),
              MN_FE_OK);
    EXPECT_EQ(by_run, by_step);
    EXPECT_EQ(by_run, by_phys);
}

// ---- log-mel -----------------------------------------------------------------------------------

TEST(FrontendLogmel, SilenceIsTheFloorEverywhere)
{
    Logmel lm;
    const auto f = lm.run(std::vector<int16_t>(10 * MN_AUDIO_HOP_SAMPLES, 0));
    for (int8_t v : f) {
        ASSERT_EQ(v, -128);
    }
}

TEST(FrontendLogmel, ConstantDcOffsetIsSilence)
{
    Logmel lm;
    const auto f = lm.run(std::vector<int16_t>(10 * MN_AUDIO_HOP_SAMPLES, -12345));
    // hop 0's window holds the reset zeros then the offset: a step, which has power
    for (int h = 2; h < 10; h++) {
        for (int m = 0; m < MN_LOGMEL_FEATURES; m++) {
            ASSERT_EQ(frame(f, h)[m], -128) << h << " " << m;
        }
    }
}

TEST(FrontendLogmel, DcOffsetDoesNotChangeTheFeaturesOfASignal)
{
    // The midrange is removed exactly: an integer offset changes nothing after the first window.
    Logmel a, b;
    const auto fa = a.run(white_noise(12, 3, 0));
    const auto fb = b.run(white_noise(12, 3, 9000));
    for (int h = 2; h < 12; h++) {
        EXPECT_EQ(0, std::memcmp(frame(fa, h), frame(fb, h), MN_LOGMEL_FEATURES)) << "hop " << h;
    }
}

TEST(FrontendLogmel, WhiteNoiseIsStableFlatAndScalesWithLevel)
{
    // White noise has equal power per FFT bin, so band m's power is proportional to its width and
    // a 2x amplitude is +2 log2 = +12 units in every band.
    const int H = 40;
    Logmel quiet, loud;
    const auto fq = quiet.run(white_noise(H, 6, 0));
    const auto fl = loud.run(white_noise(H, 5, 0));
    for (int m = 0; m < MN_LOGMEL_FEATURES; m++) {
        double mean_q = 0, mean_l = 0, var_q = 0;
        for (int h = 2; h < H; h++) {
            mean_q += frame(fq, h)[m];
            mean_l += frame(fl, h)[m];
        }
        mean_q /= H - 2;
        mean_l /= H - 2;
        for (int h = 2; h < H; h++) {
            var_q += (frame(fq, h)[m] - mean_q) * (frame(fq, h)[m] - mean_q);
        }
        EXPECT_NEAR(mean_l - mean_q, 12.0, 1.0) << "band " << m;
        // few-bin bands fluctuate most: chi-square with ~4 degrees of freedom is ~3 dB = 6 units
        EXPECT_LT(std::sqrt(var_q / (H - 3)), 9.0) << "band " << m;
        EXPECT_GT(mean_q, -100.0) << "band " << m;
        EXPECT_LT(mean_l, 120.0) << "band " << m;
    }
    // wider (higher) bands collect more bins: the last band is well above the first
    double first = 0, last = 0;
    for (int h = 2; h < H; h++) {
        first += frame(fq, h)[0];
        last += frame(fq, h)[MN_LOGMEL_FEATURES - 1];
    }
    EXPECT_GT((last - first) / (H - 2), 6.0 * std::log2(14.0 / 2.0) - 6.0);
}

TEST(FrontendLogmel, FullScaleClippingIsStableAndSaturatesWithoutWrapping)
{
    // A clipped square wave at 500 Hz (period 32 divides the hop): every window after the first is
    // the same signal, so every frame must be the same; loud bands sit near the top, never wrap.
    std::vector<int16_t> pcm(8 * MN_AUDIO_HOP_SAMPLES);
    for (size_t n = 0; n < pcm.size(); n++) {
        pcm[n] = (n % 32) < 16 ? 32767 : -32768;
    }
    Logmel lm;
    const auto f = lm.run(pcm);
    int8_t top = -128;
    for (int h = 2; h < 8; h++) {
        EXPECT_EQ(0, std::memcmp(frame(f, 1), frame(f, h), MN_LOGMEL_FEATURES)) << "hop " << h;
    }
    for (int m = 0; m < MN_LOGMEL_FEATURES; m++) {
        top = frame(f, 3)[m] > top ? frame(f, 3)[m] : top;
    }
    EXPECT_GE(top, 100) << "a full-scale tone lies near the top of the range";

    // Full-scale random values (every sample at the rails): bounded, finite, loud everywhere.
    std::vector<int16_t> rails(8 * MN_AUDIO_HOP_SAMPLES);
    Lcg lcg;
    for (auto &v : rails) {
        v = lcg.next16() >= 0 ? 32767 : -32768;
    }
    Logmel lr;
    const auto fr = lr.run(rails);
    for (int h = 1; h < 8; h++) {
        for (int m = 0; m < MN_LOGMEL_FEATURES; m++) {
            EXPECT_GT(frame(fr, h)[m], 60) << h << " " << m;
        }
    }
}

TEST(FrontendLogmel, ChunkingDoesNotMatterBeyondWholeHops)
{
    const int H = 23;
    const auto pcm = white_noise(H, 2, 100, 12345);
    Logmel whole;
    const auto ref = whole.run(pcm);
    for (int chunk : {1, 2, 5, 7, 23}) {
        Logmel lm;
        std::vector<int8_t> got;
        for (int h = 0; h < H; h += chunk) {
            const int n = (h + chunk <= H ? chunk : H - h) * MN_AUDIO_HOP_SAMPLES;
            std::vector<int16_t> part(pcm.begin() + (ptrdiff_t)h * MN_AUDIO_HOP_SAMPLES,
                                      pcm.begin() + (ptrdiff_t)h * MN_AUDIO_HOP_SAMPLES + n);
            const auto f = lm.run(part);
            got.insert(got.end(), f.begin(), f.end());
        }
        EXPECT_EQ(got, ref) << "chunks of " << chunk << " hops";
    }
    // and hop by hop through mn_logmel_step_s8
    Logmel lm;
    for (int h = 0; h < H; h++) {
        int8_t out[MN_LOGMEL_FEATURES];
        ASSERT_EQ(mn_logmel_step_s8(lm.state.data(), MN_LOGMEL_STATE_SIZE, lm.scratch.data(),
                                    MN_LOGMEL_SCRATCH_SIZE, &pcm[(size_t)h * MN_AUDIO_HOP_SAMPLES],
                                    out),
                  MN_FE_OK);
        EXPECT_EQ(0, std::memcmp(out, frame(ref, h), MN_LOGMEL_FEATURES)) << "hop " << h;
    }
}

// ---- conformance checksums (the header's check signals) ----------------------------------------

TEST(Frontend, CheckSignalsReproduceTheHeaderChecksums)
{
    Lcg lcg;
    std::vector<int16_t> pcm(MN_LOGMEL_CHECK_HOPS * MN_AUDIO_HOP_SAMPLES);
    for (size_t n = 0; n < pcm.size(); n++) {
        const int h = (int)(n / MN_AUDIO_HOP_SAMPLES);
        pcm[n] = (int16_t)((lcg.next16() >> (h % 12)) + ((h & 1) ? 3000 : 0));
    }
    Logmel lm;
    const auto f = lm.run(pcm);
    EXPECT_EQ(mn_crc32(0, reinterpret_cast<const uint8_t *>(f.data()), f.size()),
              (uint32_t)MN_LOGMEL_CHECK_CRC32);

    Lcg imu_lcg;
    std::vector<int16_t> acc(3 * MN_IMU_CHECK_SAMPLES), gyro(3 * MN_IMU_CHECK_SAMPLES);
    for (int t = 0; t < MN_IMU_CHECK_SAMPLES; t++) {
        for (int i = 0; i < 3; i++) {
            acc[3 * t + i] = (int16_t)((imu_lcg.next16() >> 2) + (i == 2 ? 8192 : 0));
        }
        for (int i = 0; i < 3; i++) {
            gyro[3 * t + i] = (int16_t)(imu_lcg.next16() >> 2);
        }
    }
    uint32_t s[MN_IMU_STATE_SIZE / 4];
    ASSERT_EQ(mn_imu_reset(s, sizeof(s), MN_IMU_SAMPLE_RATE_HZ), MN_FE_OK);
    std::vector<int8_t> fi(MN_IMU_CHECK_SAMPLES * MN_IMU_FEATURES);
    ASSERT_EQ(mn_imu_run_counts_s8(s, sizeof(s), 4, 500, acc.data(), gyro.data(),
                                   MN_IMU_CHECK_SAMPLES, fi.data()),
              MN_FE_OK);
    EXPECT_EQ(mn_crc32(0, reinterpret_cast<const uint8_t *>(fi.data()), fi.size()),
              (uint32_t)MN_IMU_CHECK_CRC32);
}

} // namespace
