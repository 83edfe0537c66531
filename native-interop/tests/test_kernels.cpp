// Each layer kernel of every variant (mn_test_variants.h) against the frozen reference kernels
// (mn_kernels_ref.c, the original step's code) on random shapes and inputs over the whole range
// the loader admits: every rq shift in [0, 62] with any int32 multiplier, |bias| < 2^30, any int8
// weights and activations, int16 states at full scale, any uint16 delta, a2 < 2^15, every legal
// exp_shift and any non-increasing exp2 table with entries <= 2^15, any lookup table. Outputs and
// in-place buffers must be equal byte for byte. The golden test (test_golden.cpp) checks whole
// steps of real models; this one checks parameter combinations no model file has yet.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "mn_test_util.h"
#include "mn_test_variants.h"

extern "C" {
#include "../src/mn_arith.h" // the requantization primitives, tested directly below
}

using mn_test::FrameGen;

namespace {

// Random draws for the kernel inputs; FrameGen's xorshift32 underneath.
class Rng {
  public:
    explicit Rng(uint32_t seed) : g_(seed) {}
    uint32_t u32() { return g_.next(); }
    int range(int lo, int hi)
    {
        return lo + static_cast<int>(u32() % static_cast<uint32_t>(hi - lo + 1));
    }
    bool chance(int one_in) { return u32() % static_cast<uint32_t>(one_in) == 0; }
    // Dims: mostly small, sometimes up to the limit.
    int dim(int max) { return chance(4) ? range(1, max) : range(1, std::min(max, 24)); }
    std::vector<int8_t> s8(size_t n, bool extreme = false)
    {
        std::vector<int8_t> v(n);
        const int mode = extreme ? 0 : range(0, 3);
        for (auto &x : v) {
            x = static_cast<int8_t>(mode == 0   ? (chance(2) ? -128 : 127)
                                    : mode == 1 ? range(-4, 4)
                                                : range(-128, 127));
        }
        return v;
    }
    std::vector<int16_t> s16(size_t n)
    {
        std::vector<int16_t> v(n);
        const bool full = chance(3);
        for (auto &x : v) {
            x = static_cast<int16_t>(full ? (chance(2) ? -32768 : 32767) : range(-32768, 32767));
        }
        return v;
    }
    std::vector<uint16_t> u16(size_t n, uint32_t max)
    {
        std::vector<uint16_t> v(n);
        for (auto &x : v) {
            x = static_cast<uint16_t>(u32() % (max + 1));
        }
        return v;
    }
    std::vector<int32_t> bias(size_t n)
    {
        std::vector<int32_t> v(n);
        const int mode = range(0, 2);
        for (auto &x : v) {
            x = mode == 0   ? (chance(2) ? (1 << 30) - 1 : -(1 << 30) + 1)
                : mode == 1 ? range(-100000, 100000)
                            : static_cast<int32_t>(u32() % (1u << 31)) - (1 << 30);
        }
        return v;
    }
    // A requantization the loader admits: shift in [0, 62], any multiplier; three regimes.
    mn_rq rq()
    {
        static const int32_t kMult[] = {INT32_MIN, INT32_MIN + 1, -1,        0,
                                        1,         1 << 30,       INT32_MAX, -(1 << 30)};
        static const int32_t kShift[] = {0, 1, 2, 30, 31, 32, 33, 34, 61, 62};
        mn_rq q;
        switch (range(0, 2)) {
        case 0: // what the quantizer writes
            q.mult = static_cast<int32_t>((1u << 30) + u32() % (1u << 30)) * (chance(8) ? -1 : 1);
            q.shift = range(16, 58);
            break;
        case 1: // anything legal
            q.mult = static_cast<int32_t>(u32());
            q.shift = range(0, 62);
            break;
        default: // edges
            q.mult = kMult[range(0, 7)];
            q.shift = kShift[range(0, 9)];
            break;
        }
        return q;
    }
    std::vector<mn_rq> rqs(size_t n)
    {
        std::vector<mn_rq> v(n);
        const bool one_regime = chance(2);
        const mn_rq first = rq();
        for (auto &x : v) {
            x = rq();
            if (one_regime) { // rows sharing a shift, as in real layers
                x.shift = first.shift;
            }
        }
        return v;
    }

  private:
    FrameGen g_;
};

constexpr int kTrials = 2000;

class KernelVariant : public ::testing::TestWithParam<const mn_kernels *> {};

TEST_P(KernelVariant, LinearMatchesReference)
{
    const mn_kernels *k = GetParam();
    Rng rng(101);
    for (int t = 0; t < kTrials; t++) {
        const int rows = rng.dim(2 * MN_MAX_D_INNER), cols = rng.dim(MN_MAX_D_INNER);
        const bool extreme = rng.chance(4);
        const auto w = rng.s8(static_cast<size_t>(rows) * cols, extreme);
        const auto x = rng.s8(static_cast<size_t>(cols), extreme);
        const auto bias = rng.bias(static_cast<size_t>(rows));
        const auto rq = rng.rqs(static_cast<size_t>(rows));
        const bool no_bias = rng.chance(3);
        std::vector<int8_t> want(rows + 1, 0x55), got(rows + 1, 0x55); // one guard byte
        mn_linear_s8_ref(want.data(), w.data(), no_bias ? nullptr : bias.data(), rq.data(),
                         x.data(), rows, cols);
        k->linear_s8(got.data(), w.data(), no_bias ? nullptr : bias.data(), rq.data(), x.data(),
                     rows, cols);
        ASSERT_EQ(got, want) << k->name << ": trial " << t << ", " << rows << " x " << cols;
    }
}

// A layer with random tensors for the layer-level kernels; the vectors own the data.
struct RandomLayer {
    mn_layer ly{};
    std::vector<int8_t> conv_w, silu_x, dt_w, silu_z;
    std::vector<int32_t> conv_b, dt_b;
    std::vector<mn_rq> conv_rq, dt_rq, dbx_rq, y_rq, d_rq;
    std::vector<uint16_t> softplus, a2, exp2;

    RandomLayer(Rng &rng, int E, int N, int R, int K)
    {
        conv_w = rng.s8(static_cast<size_t>(E) * K, rng.chance(4));
        conv_b = rng.bias(E);
        conv_rq = rng.rqs(E);
        silu_x = rng.s8(256);
        dt_w = rng.s8(static_cast<size_t>(E) * R, rng.chance(4));
        dt_b = rng.bias(E);
        dt_rq = rng.rqs(E);
        softplus = rng.u16(256, rng.chance(3) ? 65535u : 4096u);
        a2 = rng.u16(static_cast<size_t>(E) * N, 0x7FFFu);
        dbx_rq = rng.rqs(E);
        y_rq = rng.rqs(E);
        d_rq = rng.rqs(E);
        silu_z = rng.s8(256);
        // exp2 table: the real one, or any non-increasing table with entries <= 2^15, first > 0.
        exp2.resize(MN_EXP2_LUT_SIZE);
        if (rng.chance(2)) {
            uint32_t v = 32768;
            for (int i = 0; i < MN_EXP2_LUT_SIZE; i++) { // 2^15 * 2^(-i/1024), integer recurrence
                exp2[i] = static_cast<uint16_t>(v);
                v = v - (v * 677u + (1u << 19)) / (1u << 20); // * 2^(-1/1024) ~ 1 - 677/2^20
            }
        } else {
            uint32_t v = static_cast<uint32_t>(rng.range(1, 32768));
            for (int i = 0; i < MN_EXP2_LUT_SIZE; i++) {
                exp2[i] = static_cast<uint16_t>(v);
                v -= std::min(v, rng.u32() % 64u);
            }
            exp2[0] = static_cast<uint16_t>(std::max<uint32_t>(exp2[0], 1));
        }
        ly.conv_w = conv_w.data();
        ly.conv_b = conv_b.data();
        ly.conv_rq = conv_rq.data();
        ly.silu_x_lut = silu_x.data();
        ly.dt_proj_w = dt_w.data();
        ly.dt_proj_b = dt_b.data();
        ly.dt_proj_rq = dt_rq.data();
        ly.softplus_lut = softplus.data();
        ly.a2 = a2.data();
        ly.delta_frac_bits = rng.range(0, 16);
        ly.a2_frac_bits = rng.range(std::max(0, 10 - ly.delta_frac_bits), 16);
        ly.exp_shift = ly.delta_frac_bits + ly.a2_frac_bits - MN_EXP2_FRAC_BITS;
        ly.dbx_rq = dbx_rq.data();
        ly.y_rq = y_rq.data();
        ly.d_rq = d_rq.data();
        ly.silu_z_lut = silu_z.data();
        ly.gate_rq = rng.rq();
        ly.res_rq = rng.rq();
    }
};

TEST_P(KernelVariant, ConvSiluMatchesReference)
{
    const mn_kernels *k = GetParam();
    Rng rng(202);
    for (int t = 0; t < kTrials; t++) {
        const int E = rng.dim(MN_MAX_D_INNER), K = rng.range(1, MN_MAX_D_CONV);
        RandomLayer L(rng, E, 1, 1, K);
        const auto xi = rng.s8(E, rng.chance(4));
        const auto state0 = rng.s8(static_cast<size_t>(K - 1) * E + 1);
        auto state_want = state0, state_got = state0;
        std::vector<int8_t> want(E + 1, 0x55), got(E + 1, 0x55);
        mn_conv_silu_s8_ref(want.data(), state_want.data(), xi.data(), &L.ly, E, K);
        k->conv_silu_s8(got.data(), state_got.data(), xi.data(), &L.ly, E, K);
        ASSERT_EQ(got, want) << k->name << ": trial " << t << ", E " << E << " K " << K;
        ASSERT_EQ(state_got, state_want) << k->name << ": conv state, trial " << t;
    }
}

TEST_P(KernelVariant, DtSoftplusMatchesReference)
{
    const mn_kernels *k = GetParam();
    Rng rng(303);
    for (int t = 0; t < kTrials; t++) {
        const int E = rng.dim(MN_MAX_D_INNER), R = rng.range(1, MN_MAX_DT_RANK);
        RandomLayer L(rng, E, 1, R, 1);
        const auto dt_low = rng.s8(R, rng.chance(4));
        std::vector<uint16_t> want(E + 1, 0x5555), got(E + 1, 0x5555);
        mn_dt_softplus_ref(want.data(), dt_low.data(), &L.ly, E, R);
        k->dt_softplus(got.data(), dt_low.data(), &L.ly, E, R);
        ASSERT_EQ(got, want) << k->name << ": trial " << t << ", E " << E << " R " << R;
    }
}

TEST_P(KernelVariant, SsmGateMatchesReference)
{
    const mn_kernels *k = GetParam();
    Rng rng(404);
    for (int t = 0; t < kTrials; t++) {
        const int E = rng.dim(MN_MAX_D_INNER), N = rng.dim(MN_MAX_D_STATE);
        RandomLayer L(rng, E, N, 1, 1);
        const auto h0 = rng.s16(static_cast<size_t>(E) * N + 1);
        const auto delta = rng.u16(E, rng.chance(2) ? 65535u : 1024u);
        const auto xs = rng.s8(E, rng.chance(4));
        const auto bc = rng.s8(2 * static_cast<size_t>(N), rng.chance(4));
        const auto z = rng.s8(E);
        auto h_want = h0, h_got = h0;
        std::vector<int8_t> want(E + 1, 0x55), got(E + 1, 0x55);
        mn_ssm_gate_s8_ref(want.data(), h_want.data(), &L.ly, L.exp2.data(), delta.data(),
                           xs.data(), bc.data(), z.data(), E, N);
        k->ssm_gate_s8(got.data(), h_got.data(), &L.ly, L.exp2.data(), delta.data(), xs.data(),
                       bc.data(), z.data(), E, N);
        ASSERT_EQ(h_got, h_want) << k->name << ": state, trial " << t << ", E " << E << " N " << N
                                 << " exp_shift " << L.ly.exp_shift;
        ASSERT_EQ(got, want) << k->name << ": gate, trial " << t << ", E " << E << " N " << N;
    }
}

// The exp2 range clamp at its boundary: for every legal exp_shift, deltas around the smallest one
// for which delta * a2 can reach p > 15 * 2^10 with a2 = 0x7FFF (an optimized kernel may skip the
// clamp below it), with a2 at the maximum and at random values.
TEST_P(KernelVariant, SsmGateAtTheExpClampBoundary)
{
    const mn_kernels *k = GetParam();
    Rng rng(606);
    const int E = 24, N = 5;
    for (int dfb = 0; dfb <= 16; dfb++) {
        for (int afb = std::max(0, 10 - dfb); afb <= 16; afb++) {
            RandomLayer L(rng, E, N, 1, 1);
            L.ly.delta_frac_bits = dfb;
            L.ly.a2_frac_bits = afb;
            L.ly.exp_shift = dfb + afb - MN_EXP2_FRAC_BITS;
            const uint64_t p_round = (uint64_t{1} << L.ly.exp_shift) >> 1;
            const uint64_t limit = (uint64_t{15 * 1024 + 1} << L.ly.exp_shift) - p_round;
            const int64_t d_star =
                static_cast<int64_t>((limit + 0x7FFE) / 0x7FFF); // first d that can clamp
            for (size_t i = 0; i < L.a2.size(); i++) {
                L.a2[i] =
                    (i % 3 == 0) ? uint16_t{0x7FFF} : static_cast<uint16_t>(rng.u32() % 0x8000u);
            }
            std::vector<uint16_t> delta(E);
            for (int e = 0; e < E; e++) {
                const int64_t d = e == 0 ? 0 : e == 1 ? 65535 : d_star + (e % 7) - 3;
                delta[e] = static_cast<uint16_t>(std::min<int64_t>(65535, std::max<int64_t>(0, d)));
            }
            const auto h0 = rng.s16(static_cast<size_t>(E) * N);
            const auto xs = rng.s8(E), bc = rng.s8(2 * N), z = rng.s8(E);
            auto h_want = h0, h_got = h0;
            std::vector<int8_t> want(E), got(E);
            mn_ssm_gate_s8_ref(want.data(), h_want.data(), &L.ly, L.exp2.data(), delta.data(),
                               xs.data(), bc.data(), z.data(), E, N);
            k->ssm_gate_s8(got.data(), h_got.data(), &L.ly, L.exp2.data(), delta.data(), xs.data(),
                           bc.data(), z.data(), E, N);
            ASSERT_EQ(h_got, h_want)
                << k->name << ": exp_shift " << L.ly.exp_shift << ", d* " << d_star;
            ASSERT_EQ(got, want) << k->name << ": exp_shift " << L.ly.exp_shift;
        }
    }
}

// A divisor of E (the number of scalar-A heads): 1, E itself, or a random one.
int random_heads(Rng &rng, int E)
{
    std::vector<int> divisors;
    for (int h = 1; h <= E; h++) {
        if (E % h == 0) {
            divisors.push_back(h);
        }
    }
    return divisors[static_cast<size_t>(rng.range(0, static_cast<int>(divisors.size()) - 1))];
}

// Scalar-A heads: each variant's kernel against the frozen definition (mn_ssm_gate_scalar_a_s8_ref),
// on random shapes, head counts, deltas around the exp clamp and a2 up to 2^15 - 1.
TEST_P(KernelVariant, SsmGateScalarAMatchesReference)
{
    const mn_kernels *k = GetParam();
    Rng rng(707);
    for (int t = 0; t < kTrials; t++) {
        const int E = rng.dim(MN_MAX_D_INNER), N = rng.dim(MN_MAX_D_STATE);
        RandomLayer L(rng, E, N, 1, 1);
        L.ly.a_heads = static_cast<uint16_t>(random_heads(rng, E));
        L.a2 = rng.u16(L.ly.a_heads, rng.chance(4) ? 0x7FFFu : 0x0FFFu);
        L.ly.a2 = L.a2.data();
        const auto h0 = rng.s16(static_cast<size_t>(E) * N + 1);
        const auto delta = rng.u16(E, rng.chance(2) ? 65535u : 1024u);
        const auto xs = rng.s8(E, rng.chance(4));
        const auto bc = rng.s8(2 * static_cast<size_t>(N), rng.chance(4));
        const auto z = rng.s8(E);
        auto h_want = h0, h_got = h0;
        std::vector<int8_t> want(E + 1, 0x55), got(E + 1, 0x55);
        mn_ssm_gate_scalar_a_s8_ref(want.data(), h_want.data(), &L.ly, L.exp2.data(), delta.data(),
                                    xs.data(), bc.data(), z.data(), E, N);
        k->ssm_gate_scalar_a_s8(got.data(), h_got.data(), &L.ly, L.exp2.data(), delta.data(),
                                xs.data(), bc.data(), z.data(), E, N);
        ASSERT_EQ(h_got, h_want) << k->name << ": state, trial " << t << ", E " << E << " N " << N
                                 << " H " << L.ly.a_heads << " exp_shift " << L.ly.exp_shift;
        ASSERT_EQ(got, want) << k->name << ": gate, trial " << t << ", E " << E << " N " << N;
    }
}

// The contract of mamba_nano.h: scalar-A heads are bit for bit the (E, N) scan of an a2 whose row e
// repeats its head's value, so the cheap path changes the cost, never the arithmetic.
TEST_P(KernelVariant, SsmGateScalarAEqualsRepeatedRows)
{
    const mn_kernels *k = GetParam();
    Rng rng(808);
    for (int t = 0; t < kTrials; t++) {
        const int E = rng.dim(MN_MAX_D_INNER), N = rng.dim(MN_MAX_D_STATE);
        RandomLayer L(rng, E, N, 1, 1);
        const int H = random_heads(rng, E);
        const auto heads_a2 = rng.u16(H, 0x7FFFu);
        for (int e = 0; e < E; e++) { // the (E, N) twin: row e repeats a2[e / (E / H)]
            std::fill_n(L.a2.begin() + static_cast<ptrdiff_t>(e) * N, N, heads_a2[e / (E / H)]);
        }
        mn_layer scalar_a = L.ly;
        scalar_a.a_heads = static_cast<uint16_t>(H);
        scalar_a.a2 = heads_a2.data();
        const auto h0 = rng.s16(static_cast<size_t>(E) * N);
        const auto delta = rng.u16(E, rng.chance(2) ? 65535u : 1024u);
        const auto xs = rng.s8(E), bc = rng.s8(2 * static_cast<size_t>(N)), z = rng.s8(E);
        auto h_want = h0, h_got = h0;
        std::vector<int8_t> want(E), got(E);
        mn_ssm_gate_s8_ref(want.data(), h_want.data(), &L.ly, L.exp2.data(), delta.data(),
                           xs.data(), bc.data(), z.data(), E, N);
        k->ssm_gate_scalar_a_s8(got.data(), h_got.data(), &scalar_a, L.exp2.data(), delta.data(),
                                xs.data(), bc.data(), z.data(), E, N);
        ASSERT_EQ(h_got, h_want) << k->name << ": trial " << t << ", E " << E << " N " << N << " H "
                                 << H;
        ASSERT_EQ(got, want) << k->name << ": gate, trial " << t;
    }
}

TEST_P(KernelVariant, ResidualMatchesReference)
{
    const mn_kernels *k = GetParam();
    Rng rng(505);
    for (int t = 0; t < kTrials; t++) {
        const int D = rng.dim(MN_MAX_D_MODEL);
        const mn_rq rq = rng.rq();
        const auto o = rng.s8(D, rng.chance(4));
        const auto r0 = rng.s8(static_cast<size_t>(D) + 1);
        auto want = r0, got = r0;
        mn_residual_s8_ref(want.data(), o.data(), &rq, D);
        k->residual_s8(got.data(), o.data(), &rq, D);
        ASSERT_EQ(got, want) << k->name << ": trial " << t << ", D " << D;
    }
}

// The requantization of 32-bit cores (mn_arith.h: the high word of the product for shift >= 33)
// equals the int64 definition for every shift and any int32 accumulator and multiplier.
TEST(Requantization, HighProductEqualsInt64Definition)
{
    Rng rng(707);
    static const int32_t kEdge[] = {
        INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -129,    -128,          -1,       0,
        1,         127,           128,        65535,  1 << 30, INT32_MAX - 1, INT32_MAX};
    auto check = [](int32_t acc, int32_t mult, int32_t shift) {
        const mn_rq q{mult, shift};
        ASSERT_EQ(mn_rq32_hp(acc, &q), mn_rq_apply(acc, &q))
            << acc << " * " << mult << " >> " << shift;
        ASSERT_EQ(mn_rq8_hp(acc, &q), mn_rq_s8(acc, &q)) << acc << " * " << mult << " >> " << shift;
    };
    for (int32_t shift = 0; shift <= 62; shift++) {
        for (int32_t acc : kEdge) {
            for (int32_t mult : kEdge) {
                check(acc, mult, shift);
            }
        }
        for (int t = 0; t < 20000; t++) {
            const int32_t acc = static_cast<int32_t>(rng.u32()) >> rng.range(0, 31);
            const int32_t mult = static_cast<int32_t>(rng.u32()) >> rng.range(0, 3);
            check(acc, mult, shift);
        }
    }
}

std::vector<const mn_kernels *> optimized_variants()
{
    std::vector<const mn_kernels *> v;
    for (const mn_kernels *k : mn_test::kernel_variants()) {
        if (k != &mn_kernels_ref) {
            v.push_back(k);
        }
    }
    return v;
}

INSTANTIATE_TEST_SUITE_P(Variants, KernelVariant, ::testing::ValuesIn(optimized_variants()),
                         [](const ::testing::TestParamInfo<const mn_kernels *> &info) {
                             return std::string(info.param->name);
                         });

} // namespace
