// The lean device model file (format 1.1, MN_FLAG_LEAN): weights/device/*.mnm, written from
// weights/*.mnm by tools/python/mambanano/model_file.py --lean, carry no f32 (PC-only) tensor. The INT8
// path must behave bit-exactly as on the full file; the float reference refuses a lean file with
// MN_ERR_LEAN; a lean flag on a file that still has f32 tensors, or unknown flag bits, are refused.
#include <gtest/gtest.h>

#include <cstring>

#include "mamba_nano.h"
#include "mn_test_util.h"

using namespace mn_test;

namespace {

constexpr int kFrames = 3000;

struct Pair {
    const char *full, *lean;
};
const Pair kPairs[] = {
    {"../../../weights/har.mnm", "../../../weights/device/har.mnm"},
    {"../../../weights/kws.mnm", "../../../weights/device/kws.mnm"},
};

uint32_t rd32(const std::vector<uint8_t> &f, size_t at)
{
    return (uint32_t)f[at] | ((uint32_t)f[at + 1] << 8) | ((uint32_t)f[at + 2] << 16) |
           ((uint32_t)f[at + 3] << 24);
}

void wr32(std::vector<uint8_t> &f, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        f[at + i] = (uint8_t)(v >> (8 * i));
    }
}

void fix_crc(std::vector<uint8_t> &f) { wr32(f, 16, mn_crc32(0, f.data() + 20, f.size() - 20)); }

} // namespace

TEST(Lean, ShippedLeanFilesAreSmallerAndFlagged)
{
    for (const Pair &p : kPairs) {
        Loaded full(p.full), lean(p.lean);
        ASSERT_EQ(full.status, MN_OK) << p.full;
        ASSERT_EQ(lean.status, MN_OK) << p.lean;
        EXPECT_EQ(full.model.flags, 0u);
        EXPECT_EQ(lean.model.flags, MN_FLAG_LEAN);
        EXPECT_LT(lean.file.size(), full.file.size());
        EXPECT_EQ(lean.model.in_wscale, nullptr);
        EXPECT_EQ(lean.model.layers[0].act_scales, nullptr);
        EXPECT_EQ(lean.model.layers[0].state_scale, nullptr);
        EXPECT_EQ(mn_state_size(&lean.model), mn_state_size(&full.model));
        EXPECT_EQ(mn_scratch_size(&lean.model), mn_scratch_size(&full.model));
        EXPECT_STREQ(mn_class_name(&lean.model, 0), mn_class_name(&full.model, 0));
    }
}

// INT8 logits and the whole state but its model_crc word: identical after every step, on
// uniform frames with resets, full-scale and alternating ones.
TEST(Lean, Int8BitExactWithFullFile)
{
    for (const Pair &p : kPairs) {
        Loaded full(p.full), lean(p.lean);
        ASSERT_EQ(full.status, MN_OK);
        ASSERT_EQ(lean.status, MN_OK);
        const mn_model &fm = full.model;
        ASSERT_EQ(mn_state_reset(&fm, full.state(), full.state_size()), MN_OK);
        ASSERT_EQ(mn_state_reset(&lean.model, lean.state(), lean.state_size()), MN_OK);
        FrameGen gen(0x1EA2u);
        std::vector<int8_t> x(fm.n_features);
        std::vector<int32_t> lf(fm.n_classes), ll(fm.n_classes);
        for (int t = 0; t < kFrames; t++) {
            if (t % 1000 < 900) {
                gen.fill(x.data(), fm.n_features);
            } else {
                for (int i = 0; i < fm.n_features; i++) {
                    x[i] = (int8_t)(((t + i) & 1) ? 127 : -128);
                }
            }
            if (t == 1500) {
                ASSERT_EQ(mn_state_reset(&fm, full.state(), full.state_size()), MN_OK);
                ASSERT_EQ(mn_state_reset(&lean.model, lean.state(), lean.state_size()), MN_OK);
            }
            ASSERT_EQ(mn_step_s8(&fm, full.state(), full.state_size(), full.scratch(),
                                 full.scratch_size(), x.data()),
                      MN_OK);
            ASSERT_EQ(mn_step_s8(&lean.model, lean.state(), lean.state_size(), lean.scratch(),
                                 lean.scratch_size(), x.data()),
                      MN_OK);
            ASSERT_EQ(mn_logits_q8(&fm, full.state(), full.state_size(), lf.data()), MN_OK);
            ASSERT_EQ(mn_logits_q8(&lean.model, lean.state(), lean.state_size(), ll.data()), MN_OK);
            ASSERT_EQ(lf, ll) << p.lean << " step " << t;
            const size_t n = mn_state_size(&fm);
            ASSERT_EQ(std::memcmp((const uint8_t *)full.state() + 4,
                                  (const uint8_t *)lean.state() + 4, n - 4),
                      0)
                << p.lean << " step " << t;
            uint16_t pf[MN_MAX_CLASSES], pl[MN_MAX_CLASSES];
            ASSERT_EQ(mn_softmax_q15(&fm, lf.data(), pf),
                      mn_softmax_q15(&lean.model, ll.data(), pl));
            ASSERT_EQ(std::memcmp(pf, pl, sizeof(uint16_t) * fm.n_classes), 0);
        }
    }
}

TEST(Lean, FloatReferenceRefusesLeanFile)
{
    Loaded full(kPairs[0].full), lean(kPairs[0].lean);
    ASSERT_EQ(lean.status, MN_OK);
    EXPECT_EQ(mnf_model_status(&lean.model), MN_ERR_LEAN);
    EXPECT_EQ(mnf_arena_size(&lean.model), 0u);
    std::vector<float> arena(1 << 16);
    EXPECT_EQ(mnf_model_init(&lean.model, arena.data(), arena.size() * sizeof(float)), nullptr);
    EXPECT_STRNE(mn_status_message(MN_ERR_LEAN), "unknown status");
    EXPECT_EQ(mnf_model_status(&full.model), MN_OK);
    EXPECT_GT(mnf_arena_size(&full.model), 0u);
    mn_model empty{};
    EXPECT_EQ(mnf_model_status(&empty), MN_ERR_NOT_LOADED);
    EXPECT_EQ(mnf_model_status(nullptr), MN_ERR_ARG);
}

TEST(Lean, FlagsAreVersionedAndChecked)
{
    std::vector<uint8_t> full = read_file(fixture_path(kPairs[0].full));
    std::vector<uint8_t> lean = read_file(fixture_path(kPairs[0].lean));
    ASSERT_EQ(mn_model_validate(full.data(), full.size()), MN_OK);
    // A full file claiming to be lean: its f32 tensors are then table errors.
    std::vector<uint8_t> f = full;
    f[6] = 1;
    f[7] = 0;
    wr32(f, MN_HEADER_FLAGS_OFFSET, MN_FLAG_LEAN);
    fix_crc(f);
    EXPECT_EQ(mn_model_validate(f.data(), f.size()), MN_ERR_TENSOR_TABLE);
    // A lean file without its flag: the f32 tensors are missing.
    f = lean;
    wr32(f, MN_HEADER_FLAGS_OFFSET, 0);
    fix_crc(f);
    EXPECT_EQ(mn_model_validate(f.data(), f.size()), MN_ERR_TENSOR_MISSING);
    // Minor 0 does not read the flags word: a lean file marked 1.0 is a full file missing tensors.
    f = lean;
    f[6] = 0;
    fix_crc(f);
    EXPECT_EQ(mn_model_validate(f.data(), f.size()), MN_ERR_TENSOR_MISSING);
    // Unknown flag bits: refused by this minor, ignored by a newer one.
    f = lean;
    wr32(f, MN_HEADER_FLAGS_OFFSET, rd32(f, MN_HEADER_FLAGS_OFFSET) | 2u);
    fix_crc(f);
    EXPECT_EQ(mn_model_validate(f.data(), f.size()), MN_ERR_VERSION);
    f[6] = (uint8_t)(MN_VERSION_MINOR + 1);
    fix_crc(f);
    EXPECT_EQ(mn_model_validate(f.data(), f.size()), MN_OK);
    // A 1.0 file's reserved bytes are not read (old files load as before); the shipped files may
    // be newer, the fixtures are 1.0.
    f = read_file(fixture_path("imu.mnm"));
    ASSERT_EQ(f[6], 0);
    wr32(f, MN_HEADER_FLAGS_OFFSET, 0xFFFFFFFFu);
    fix_crc(f);
    EXPECT_EQ(mn_model_validate(f.data(), f.size()), MN_OK);
}
