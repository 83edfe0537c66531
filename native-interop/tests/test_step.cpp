// The INT8 step (mn_step_s8.c) against the float reference (mnf_*) on the seeded fixtures, plus the
// streaming properties: whole sequence == split across a copied state, reset == fresh, bounded state
// over long and adversarial runs, and the API's error paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "mn_test_util.h"

using mn_test::FrameGen;
using mn_test::Loaded;

namespace {

// Named tolerances (measured on the fixtures; see README "Kernel accuracy").
// Logits: |int8 - float| in nats, relative to the float logits' spread (max - min) plus 1.
// Measured on the fixtures: at most 0.02.
constexpr double kLogitTol = 0.05;
// States: |h_int8 * state_scale - h_float| as a fraction of the channel's int16 range, where the
// float state lies inside that range (outside it the int16 state clips; counted separately).
// Measured on the fixtures: median <= 0.005 (0.014 for the one-element state of ones.mnm),
// p99 <= 0.055, max <= 0.22 (a rare frame whose
// activations exceed their calibrated int8 range clips that step's input to the state, and slow
// channels remember it).
constexpr double kStateTolMedian = 0.02;
constexpr double kStateTolP99 = 0.08;
constexpr double kStateTolMax = 0.5;
// Over a long run, the fraction of state elements whose float value lies outside the int16 range
// calibrated on 8K other frames of the same distribution.
constexpr double kClippedMax = 0.01;
constexpr int kLongSteps = 10000;

const char *const kFixtures[] = {
    "tiny.mnm",     "ones.mnm",    "odd.mnm",      "dstate1.mnm",      "deep.mnm",
    "kws_size.mnm", "largest.mnm", "scalar_a.mnm", "har_scalar_a.mnm", "kws_scalar_a.mnm"};

// Float reference bound to a loaded int8 model.
struct FloatRef {
    std::vector<float> arena, state, scratch;
    mnf_model *m = nullptr;
    explicit FloatRef(const mn_model *q)
    {
        arena.resize(mnf_arena_size(q) / sizeof(float) + 1);
        m = mnf_model_init(q, arena.data(), arena.size() * sizeof(float));
        state.resize(mnf_state_size(m) / sizeof(float) + 1);
        scratch.resize(mnf_scratch_size(m) / sizeof(float) + 1);
        mnf_state_reset(m, state.data());
    }
};

std::vector<float> dequantize_features(const mn_model &m, const int8_t *q)
{
    std::vector<float> x(m.n_features);
    for (int i = 0; i < m.n_features; i++) {
        x[i] = m.input_scale * (static_cast<float>(q[i]) - m.input_zero_point);
    }
    return x;
}

class StepFixture : public ::testing::TestWithParam<const char *> {};

TEST_P(StepFixture, Int8TracksFloatReferenceOverLongSequence)
{
    Loaded L(GetParam());
    ASSERT_EQ(L.status, MN_OK) << mn_status_message(L.status);
    const mn_model &m = L.model;
    ASSERT_EQ(mn_state_reset(&m, L.state(), L.state_size()), MN_OK);
    FloatRef ref(&m);
    ASSERT_NE(ref.m, nullptr);

    FrameGen gen(1234);
    std::vector<int8_t> frame(m.n_features);
    std::vector<int32_t> logits_q8(m.n_classes);
    std::vector<float> logits_f(m.n_classes);
    double worst_logit = 0;
    std::vector<double> state_errors;
    size_t clipped = 0, state_elems = 0;
    for (int t = 1; t <= kLongSteps; t++) {
        gen.fill(frame.data(), m.n_features);
        ASSERT_EQ(
            mn_step_s8(&m, L.state(), L.state_size(), L.scratch(), L.scratch_size(), frame.data()),
            MN_OK);
        std::vector<float> x = dequantize_features(m, frame.data());
        mnf_step(ref.m, ref.state.data(), ref.scratch.data(), x.data());
        if (t % 500 != 0) {
            continue;
        }
        ASSERT_EQ(mn_logits_q8(&m, L.state(), L.state_size(), logits_q8.data()), MN_OK);
        mnf_logits(ref.m, ref.state.data(), logits_f.data());
        const auto [lo, hi] = std::minmax_element(logits_f.begin(), logits_f.end());
        const double spread = (*hi - *lo) + 1.0;
        for (int c = 0; c < m.n_classes; c++) {
            ASSERT_TRUE(std::isfinite(logits_f[c]));
            worst_logit =
                std::max(worst_logit, std::fabs(logits_q8[c] / 256.0 - logits_f[c]) / spread);
        }
        for (int l = 0; l < m.n_layers; l++) {
            const int16_t *hq = mn_state_ssm(&m, L.state(), l);
            const float *hf = mnf_state_ssm(ref.m, ref.state.data(), l);
            const float *scale = m.layers[l].state_scale;
            for (int e = 0; e < m.d_inner; e++) {
                for (int n = 0; n < m.d_state; n++) {
                    const int i = e * m.d_state + n;
                    const double range = 32767.0 * scale[e];
                    state_elems++;
                    if (std::fabs(hf[i]) > range) {
                        clipped++;
                        continue;
                    }
                    state_errors.push_back(std::fabs(hq[i] * scale[e] - hf[i]) / range);
                }
            }
        }
    }
    EXPECT_EQ(mn_state_steps(&m, L.state(), L.state_size()), static_cast<uint32_t>(kLongSteps));
    RecordProperty("max_logit_error", std::to_string(worst_logit));
    const double clipped_fraction = static_cast<double>(clipped) / state_elems;
    std::sort(state_errors.begin(), state_errors.end());
    const double state_median = state_errors[state_errors.size() / 2];
    const double state_p99 = state_errors[static_cast<size_t>(0.99 * (state_errors.size() - 1))];
    const double state_max = state_errors.back();
    std::printf(
        "  %s: logit error max %.4f (tol %.2f); state error median %.4f (tol %.2f), p99 %.4f "
        "(tol %.2f), max %.4f (tol %.2f); clipped %.5f (max %.2f)\n",
        GetParam(), worst_logit, kLogitTol, state_median, kStateTolMedian, state_p99, kStateTolP99,
        state_max, kStateTolMax, clipped_fraction, kClippedMax);
    EXPECT_LE(worst_logit, kLogitTol);
    EXPECT_LE(state_median, kStateTolMedian);
    EXPECT_LE(state_p99, kStateTolP99);
    EXPECT_LE(state_max, kStateTolMax);
    EXPECT_LE(clipped_fraction, kClippedMax);
}

// The state buffer is the whole memory of the stream: copying it mid-way and continuing from the
// copy gives bit-identical results to one uninterrupted run.
TEST_P(StepFixture, SplitAcrossCopiedStateEqualsWholeSequence)
{
    Loaded a(GetParam());
    ASSERT_EQ(a.status, MN_OK);
    const mn_model &m = a.model;
    ASSERT_EQ(mn_state_reset(&m, a.state(), a.state_size()), MN_OK);
    FrameGen gen(77);
    std::vector<std::vector<int8_t>> frames(300, std::vector<int8_t>(m.n_features));
    for (auto &f : frames) {
        gen.fill(f.data(), m.n_features);
    }
    std::vector<uint32_t> copy;
    for (size_t t = 0; t < frames.size(); t++) {
        if (t == 137) {
            copy = a.state_words;
        }
        ASSERT_EQ(mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size(),
                             frames[t].data()),
                  MN_OK);
    }
    std::vector<uint32_t> scratch(a.scratch_words.size(),
                                  0xA5A5A5A5u); // scratch contents must not matter
    for (size_t t = 137; t < frames.size(); t++) {
        ASSERT_EQ(mn_step_s8(&m, copy.data(), copy.size() * 4, scratch.data(), scratch.size() * 4,
                             frames[t].data()),
                  MN_OK);
    }
    EXPECT_EQ(copy, a.state_words);
}

TEST_P(StepFixture, ResetEqualsFreshState)
{
    Loaded a(GetParam());
    ASSERT_EQ(a.status, MN_OK);
    const mn_model &m = a.model;
    std::vector<int8_t> f(m.n_features);
    FrameGen noise(5);
    ASSERT_EQ(mn_state_reset(&m, a.state(), a.state_size()), MN_OK);
    for (int t = 0; t < 200; t++) {
        noise.fill(f.data(), m.n_features);
        ASSERT_EQ(
            mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size(), f.data()),
            MN_OK);
    }
    ASSERT_EQ(mn_state_reset(&m, a.state(), a.state_size()), MN_OK);
    std::vector<uint32_t> fresh(a.state_words.size(), 0xFFFFFFFFu);
    ASSERT_EQ(mn_state_reset(&m, fresh.data(), fresh.size() * 4), MN_OK);
    EXPECT_EQ(fresh, a.state_words);
    FrameGen g1(9), g2(9);
    for (int t = 0; t < 50; t++) {
        g1.fill(f.data(), m.n_features);
        ASSERT_EQ(
            mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size(), f.data()),
            MN_OK);
        g2.fill(f.data(), m.n_features);
        ASSERT_EQ(
            mn_step_s8(&m, fresh.data(), fresh.size() * 4, a.scratch(), a.scratch_size(), f.data()),
            MN_OK);
    }
    EXPECT_EQ(fresh, a.state_words);
}

// Full-scale, alternating and constant inputs: no overflow (UBSan build), the state never
// wraps (a wrap would show as a jump between the rails), logits stay readable.
TEST_P(StepFixture, AdversarialInputsKeepStateBounded)
{
    Loaded a(GetParam());
    ASSERT_EQ(a.status, MN_OK);
    const mn_model &m = a.model;
    std::vector<int8_t> f(m.n_features);
    std::vector<int32_t> logits(m.n_classes);
    for (int pattern = 0; pattern < 4; pattern++) {
        ASSERT_EQ(mn_state_reset(&m, a.state(), a.state_size()), MN_OK);
        std::vector<int16_t> prev(m.d_inner * m.d_state, 0);
        for (int t = 0; t < 2000; t++) {
            const int8_t v = pattern == 0   ? 127
                             : pattern == 1 ? -128
                             : pattern == 2 ? (t % 2 ? 127 : -128)
                                            : 0;
            std::fill(f.begin(), f.end(), v);
            ASSERT_EQ(
                mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size(), f.data()),
                MN_OK);
            const int16_t *h = mn_state_ssm(&m, a.state(), 0);
            for (size_t i = 0; i < prev.size(); i++) {
                ASSERT_LT(std::abs(h[i] - prev[i]), 65535) << "state wrapped at step " << t;
                prev[i] = h[i];
            }
        }
        ASSERT_EQ(mn_logits_q8(&m, a.state(), a.state_size(), logits.data()), MN_OK);
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, StepFixture, ::testing::ValuesIn(kFixtures));

TEST(StepApi, ErrorPaths)
{
    Loaded a("tiny.mnm");
    ASSERT_EQ(a.status, MN_OK);
    const mn_model &m = a.model;
    std::vector<int8_t> f(m.n_features, 1);
    std::vector<int32_t> logits(m.n_classes);
    // Not reset: the state belongs to no model.
    std::fill(a.state_words.begin(), a.state_words.end(), 0u);
    EXPECT_EQ(mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size(), f.data()),
              MN_ERR_NOT_LOADED);
    ASSERT_EQ(mn_state_reset(&m, a.state(), a.state_size()), MN_OK);
    EXPECT_EQ(mn_logits_q8(&m, a.state(), a.state_size(), logits.data()), MN_ERR_NO_STEPS);
    EXPECT_EQ(
        mn_step_s8(&m, a.state(), a.state_size() - 4, a.scratch(), a.scratch_size(), f.data()),
        MN_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(
        mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size() - 4, f.data()),
        MN_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size(), nullptr),
              MN_ERR_ARG);
    EXPECT_EQ(mn_state_reset(&m, a.state(), a.state_size() - 4), MN_ERR_BUFFER_TOO_SMALL);
    mn_model empty{};
    EXPECT_EQ(mn_state_reset(&empty, a.state(), a.state_size()), MN_ERR_NOT_LOADED);
    EXPECT_EQ(mn_step_s8(&m, a.state(), a.state_size(), a.scratch(), a.scratch_size(), f.data()),
              MN_OK);
    EXPECT_EQ(mn_logits_q8(&m, a.state(), a.state_size(), logits.data()), MN_OK);
    EXPECT_EQ(mn_state_steps(&m, a.state(), a.state_size()), 1u);
}

// A state reset for one model is refused by another (different CRC).
TEST(StepApi, StateIsBoundToItsModel)
{
    Loaded a("tiny.mnm"), b("odd.mnm");
    ASSERT_EQ(a.status, MN_OK);
    ASSERT_EQ(b.status, MN_OK);
    std::vector<uint32_t> state(std::max(a.state_words.size(), b.state_words.size()));
    ASSERT_EQ(mn_state_reset(&a.model, state.data(), state.size() * 4), MN_OK);
    std::vector<int8_t> f(b.model.n_features, 3);
    EXPECT_EQ(mn_step_s8(&b.model, state.data(), state.size() * 4, b.scratch(), b.scratch_size(),
                         f.data()),
              MN_ERR_NOT_LOADED);
}

TEST(StepApi, SoftmaxIsANormalizedMonotoneDistribution)
{
    Loaded a("kws_size.mnm");
    ASSERT_EQ(a.status, MN_OK);
    const int C = a.model.n_classes;
    FrameGen gen(3);
    for (int trial = 0; trial < 200; trial++) {
        std::vector<int32_t> logits(C);
        for (auto &l : logits) {
            l = static_cast<int32_t>(gen.next() % 4096) - 2048; // +-8 nats in Q8
        }
        std::vector<uint16_t> p(C);
        const int best = mn_softmax_q15(&a.model, logits.data(), p.data());
        ASSERT_EQ(best, std::max_element(logits.begin(), logits.end()) - logits.begin());
        int sum = 0;
        double max_err = 0, z = 0;
        for (int c = 0; c < C; c++) {
            sum += p[c];
            z += std::exp((logits[c] - logits[best]) / 256.0);
        }
        for (int c = 0; c < C; c++) {
            const double expect = std::exp((logits[c] - logits[best]) / 256.0) / z;
            max_err = std::max(max_err, std::fabs(p[c] / 32768.0 - expect));
            for (int d = 0; d < C; d++) {
                if (logits[c] > logits[d]) {
                    ASSERT_GE(p[c], p[d]);
                }
            }
        }
        EXPECT_NEAR(sum, 32768, C);
        EXPECT_LT(max_err, 0.01);
    }
}

} // namespace
