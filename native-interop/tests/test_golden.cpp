// Bit-exactness of the INT8 step against golden CRC-32s: every kernel variant (mn_test_variants.h)
// steps every shipped model (weights/*.mnm) and every fixture over 2,000 frames of varied input
// (uniform, small, full-scale constant, alternating, zero, slow ramps, spikes); after each step
// the logits and the whole state (header, pool_sum, int16 SSM state, conv state) are folded into
// two running CRC-32s. The golden values were recorded from the kernel as of commit 2f689ae,
// before any optimization; a variant or an optimization is accepted only if it reproduces them
// exactly. The golden input reaches every saturating path of the step (int8 requantization, the
// int16 state, the u clamp, the exp2 range clamp, the residual sum).
//
// A model file that no longer matches its recorded file CRC (retrained weights, regenerated
// fixtures) is not compared with golden values that say nothing about it; each variant is then
// compared with the frozen reference (tests/mn_kernels_ref.c), which reproduces every recorded
// value. Re-record from the reference only, never from an optimized variant:
//   MN_GOLDEN_PRINT=1 ./test_golden --gtest_filter='*_ref'
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "mn_test_util.h"
#include "mn_test_variants.h"

using mn_test::FrameGen;
using mn_test::Loaded;

namespace {

constexpr int kGoldenFrames = 2000;

struct Golden {
    const char *model;   // path relative to the repository's native-interop/tests/fixtures
    uint32_t file_crc;   // mn_model.crc32 of the file the values were recorded on
    uint32_t logits_crc; // running CRC-32 of the Q8 logits (int32 LE) after every step
    uint32_t state_crc;  // running CRC-32 of the whole state after every step
};

// Recorded with the kernel of commit 2f689ae (MN_GOLDEN_PRINT=1); the weights/ entries are
// re-recorded from the frozen reference when the shipped models are retrained.
const Golden kGolden[] = {
    {"../../../weights/har.mnm", 0xB068A70Fu, 0x43FE6953u, 0x45546B08u},
    {"../../../weights/kws.mnm", 0x2F0D4128u, 0x696D68ABu, 0xBCBB3DFBu},
    {"deep.mnm", 0xB241BAFFu, 0x598983E5u, 0x174ABEDFu},
    {"dstate1.mnm", 0x9FD7C495u, 0x7B082308u, 0xC9918B69u},
    {"imu.mnm", 0xA20A155Fu, 0xBDFB0FD6u, 0x268A1AABu},
    {"kws_size.mnm", 0x6F50CEF4u, 0xD112AB60u, 0xEA3481FEu},
    {"largest.mnm", 0x43F09F2Au, 0xAE6145C4u, 0x004FB1A4u},
    {"logmel.mnm", 0xDAFD63F8u, 0x86A23923u, 0x2CE57DE2u},
    {"odd.mnm", 0x905FB960u, 0x505F9A4Fu, 0xF43E878Au},
    {"ones.mnm", 0xB976BC29u, 0x3832F093u, 0xCE903194u},
    {"tiny.mnm", 0xF84EB077u, 0x10552953u, 0xADD67DA8u},
    // Scalar-A heads (format 1.2): recorded with mn_ssm_gate_scalar_a_s8_ref, the definition added
    // to the frozen reference with them (the scan of 2f689ae on rows that repeat one A).
    {"scalar_a.mnm", 0x31ECC649u, 0xB3836648u, 0x28D0AE51u},
    {"har_scalar_a.mnm", 0x5F6FABAFu, 0xE56BD277u, 0xAE617ADFu},
    {"kws_scalar_a.mnm", 0x9D5510CDu, 0xA877A45Du, 0x6D5726C4u},
    {"kws_size_scalar_a.mnm", 0x09AD4747u, 0x9B12C7DBu, 0x83C4F6B1u},
};

// CRC-32/IEEE with a 256-entry table (mn_crc32() is bitwise: too slow for ~100 MB of state).
class Crc32 {
  public:
    Crc32()
    {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
            }
            table_[i] = c;
        }
    }
    uint32_t update(uint32_t crc, const void *data, size_t n) const
    {
        const uint8_t *p = static_cast<const uint8_t *>(data);
        crc = ~crc;
        for (size_t i = 0; i < n; i++) {
            crc = table_[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
        }
        return ~crc;
    }

  private:
    uint32_t table_[256];
};

// Frame t of the golden input: eight segments that exercise the saturating paths as well as the
// ordinary ones. Integer only, so the frames are the same on every platform.
void golden_frame(int t, FrameGen &gen, int8_t *f, int n)
{
    if (t < 600) { // uniform over the whole int8 range
        gen.fill(f, n);
    } else if (t < 900) { // small values
        gen.fill(f, n, -6, 6);
    } else if (t < 1000) { // full scale, constant
        std::memset(f, 127, static_cast<size_t>(n));
    } else if (t < 1100) {
        std::memset(f, -128, static_cast<size_t>(n));
    } else if (t < 1200) { // full scale, alternating in time and across features
        for (int i = 0; i < n; i++) {
            f[i] = static_cast<int8_t>(((t + i) & 1) ? 127 : -128);
        }
    } else if (t < 1300) { // silence
        std::memset(f, 0, static_cast<size_t>(n));
    } else if (t < 1600) { // slow triangle waves, a different period per feature
        for (int i = 0; i < n; i++) {
            const int period = 37 + 6 * i;
            const int ph = t % period;
            const int tri = ph < period / 2 ? ph : period - ph; // 0 .. period/2
            f[i] = static_cast<int8_t>(tri * 200 / period - 50);
        }
    } else { // uniform with sparse full-scale spikes
        gen.fill(f, n, -40, 40);
        for (int i = 0; i < n; i++) {
            if (gen.next() % 20 == 0) {
                f[i] = static_cast<int8_t>((gen.next() & 1) ? 127 : -128);
            }
        }
    }
}

struct RunCrcs {
    uint32_t file_crc = 0, logits_crc = 0, state_crc = 0;
};

RunCrcs run_golden(const mn_kernels *kernels, const char *model)
{
    static const Crc32 crc;
    RunCrcs out;
    Loaded L(model);
    EXPECT_EQ(L.status, MN_OK) << model << ": " << mn_status_message(L.status);
    if (L.status != MN_OK) {
        return out;
    }
    const mn_model &m = L.model;
    out.file_crc = m.crc32;
    EXPECT_EQ(mn_state_reset(&m, L.state(), L.state_size()), MN_OK);
    const size_t state_bytes = mn_state_size(&m);
    FrameGen gen(0x5EEDu + m.crc32);
    std::vector<int8_t> frame(m.n_features);
    std::vector<int32_t> logits(m.n_classes);
    std::vector<uint8_t> logits_le(4u * m.n_classes);
    for (int t = 0; t < kGoldenFrames; t++) {
        golden_frame(t, gen, frame.data(), m.n_features);
        const mn_status st = mn_step_s8_with(kernels, &m, L.state(), L.state_size(), L.scratch(),
                                             L.scratch_size(), frame.data());
        if (st != MN_OK) {
            ADD_FAILURE() << model << ": step " << t << ": " << mn_status_message(st);
            return out;
        }
        EXPECT_EQ(mn_logits_q8(&m, L.state(), L.state_size(), logits.data()), MN_OK);
        for (int c = 0; c < m.n_classes; c++) {
            const uint32_t v = static_cast<uint32_t>(logits[c]);
            for (int b = 0; b < 4; b++) {
                logits_le[4u * c + b] = static_cast<uint8_t>(v >> (8 * b));
            }
        }
        out.logits_crc = crc.update(out.logits_crc, logits_le.data(), logits_le.size());
        out.state_crc = crc.update(out.state_crc, L.state(), state_bytes);
    }
    return out;
}

class GoldenModel : public ::testing::TestWithParam<std::tuple<Golden, const mn_kernels *>> {};

TEST_P(GoldenModel, StepReproducesRecordedCrcs)
{
    const Golden &g = std::get<0>(GetParam());
    const mn_kernels *k = std::get<1>(GetParam());
    const RunCrcs r = run_golden(k, g.model);
    if (std::getenv("MN_GOLDEN_PRINT") != nullptr) {
        std::printf("    {\"%s\", 0x%08Xu, 0x%08Xu, 0x%08Xu},\n", g.model, r.file_crc, r.logits_crc,
                    r.state_crc);
    }
    if (r.file_crc == g.file_crc) {
        EXPECT_EQ(r.logits_crc, g.logits_crc)
            << g.model << ", " << k->name << ": logits differ from the recorded kernel";
        EXPECT_EQ(r.state_crc, g.state_crc)
            << g.model << ", " << k->name << ": state differs from the recorded kernel";
        return;
    }
    std::printf(
        "[ NOTE ] %s: file CRC %08X, golden recorded on %08X: compared with the reference only\n",
        g.model, r.file_crc, g.file_crc);
    if (k != &mn_kernels_ref) {
        const RunCrcs ref = run_golden(&mn_kernels_ref, g.model);
        EXPECT_EQ(r.logits_crc, ref.logits_crc)
            << g.model << ", " << k->name << ": logits differ from the reference";
        EXPECT_EQ(r.state_crc, ref.state_crc)
            << g.model << ", " << k->name << ": state differs from the reference";
    }
}

std::string golden_name(const ::testing::TestParamInfo<GoldenModel::ParamType> &info)
{
    std::string s = std::get<0>(info.param).model;
    const size_t slash = s.rfind('/');
    std::string out = s.find("weights/") != std::string::npos ? "shipped_" : "fixture_";
    s = s.substr(slash == std::string::npos ? 0 : slash + 1);
    for (char c : s) {
        out += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
    }
    return out + "_" + std::get<1>(info.param)->name;
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenModel,
                         ::testing::Combine(::testing::ValuesIn(kGolden),
                                            ::testing::ValuesIn(mn_test::kernel_variants())),
                         golden_name);

} // namespace
