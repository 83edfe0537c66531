// The engine as firmware that copies its models builds it (MN_ENGINE_DEVICE_SIZES, which
// ESP_PLATFORM selects, with the arenas mn_engine.h gives for the lean files; the app's firmware
// reads them in place instead: test_engine_in_place): this executable compiles its own copy of
// mn_engine.c with those sizes. The lean shipped models fit their slots with the app's stream
// counts (nf.config: HAR 2, KWS 5) and give the same results as the full files on the host
// engine's sizes; a model that does not fit is refused with MN_ERR_ARENA_TOO_SMALL /
// MN_ERR_BUFFER_TOO_SMALL and the running one is untouched.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "mn_engine.h"
#include "mn_engine_check.h"
#include "mn_test_util.h"

using mn_test::fixture_path;
using mn_test::FrameGen;
using mn_test::Loaded;
using mn_test::read_file;

#ifndef MN_ENGINE_DEVICE_SIZES
#error "test_engine_device is built with -DMN_ENGINE_DEVICE_SIZES"
#endif

namespace {

const char *kHarLean = "../../../weights/device/har.mnm";
const char *kKwsLean = "../../../weights/device/kws.mnm";
const char *kHarFull = "../../../weights/har.mnm";
const char *kKwsFull = "../../../weights/kws.mnm";
constexpr int kHarStreams = 6, kKwsStreams = 5;

class EngineDevice : public ::testing::Test {
  protected:
    void SetUp() override
    {
        for (int s = 0; s < MN_ENGINE_SLOTS; s++)
            mn_engine_unload(s);
    }
    void TearDown() override { SetUp(); }
    static int32_t load(int slot, const char *path, int streams)
    {
        auto file = read_file(fixture_path(path));
        return mn_engine_load(slot, file.data(), (int32_t)file.size(), streams);
    }
    static int32_t crc(int slot)
    {
        std::vector<int32_t> info(MN_INFO_COUNT);
        EXPECT_EQ(mn_engine_info(slot, info.data(), MN_INFO_COUNT), MN_OK);
        return info[MN_INFO_MODEL_CRC];
    }
};

} // namespace

TEST_F(EngineDevice, DefaultsAreTheShippedModelsNeeds)
{
    // The same numbers the header gives for firmware that copies the lean files.
    for (auto [path, streams, arena, state] :
         {std::tuple{kHarLean, kHarStreams, MN_ENGINE_ARENA_BYTES_0, MN_ENGINE_STATE_BYTES_0},
          std::tuple{kKwsLean, kKwsStreams, MN_ENGINE_ARENA_BYTES_1, MN_ENGINE_STATE_BYTES_1}}) {
        auto file = read_file(fixture_path(path));
        size_t a = 0, s = 0, c = 0;
        ASSERT_EQ(mn_model_buffer_sizes(file.data(), file.size(), &a, &s, &c), MN_OK);
        EXPECT_LE(a, (size_t)arena) << path;
        EXPECT_GT(a + 16, (size_t)arena) << path << ": more arena than the model needs";
        EXPECT_EQ(((s + 7) & ~(size_t)7) * (size_t)streams, (size_t)state) << path;
        EXPECT_LE(c, (size_t)MN_ENGINE_SCRATCH_BYTES);
    }
    EXPECT_EQ(MN_ENGINE_SCRATCH_BYTES, MN_LOGMEL_SCRATCH_SIZE);
}

TEST_F(EngineDevice, LeanModelsFitWithTheAppsStreams)
{
    ASSERT_EQ(load(0, kHarLean, kHarStreams), MN_OK);
    ASSERT_EQ(load(1, kKwsLean, kKwsStreams), MN_OK);
    // One stream more does not fit: refused, and the slot runs on.
    const int32_t har_crc = crc(0);
    EXPECT_EQ(load(0, kHarLean, kHarStreams + 1), MN_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(load(1, kKwsLean, kKwsStreams + 1), MN_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(crc(0), har_crc);
    EXPECT_EQ(mn_engine_steps(1, kKwsStreams - 1), 0);
}

TEST_F(EngineDevice, ModelThatDoesNotFitIsRefusedAndTheRunningOneKeepsItsState)
{
    ASSERT_EQ(load(0, kHarLean, kHarStreams), MN_OK);
    ASSERT_EQ(load(1, kKwsLean, kKwsStreams), MN_OK);
    FrameGen gen(5);
    std::vector<int8_t> x(9);
    for (int t = 0; t < 40; t++) {
        gen.fill(x.data(), 9);
        ASSERT_EQ(mn_engine_push_features(0, x.data(), 9), MN_OK);
    }
    std::vector<int32_t> before(MN_MAX_CLASSES), after(MN_MAX_CLASSES);
    const int best = mn_engine_read(0, 1, before.data(), MN_MAX_CLASSES);
    ASSERT_GE(best, 0);
    const int32_t har_crc = crc(0), kws_crc = crc(1);

    // The full files (the PC tools' ones) are bigger than the slots reserve.
    EXPECT_EQ(load(0, kHarFull, kHarStreams), MN_ERR_ARENA_TOO_SMALL);
    EXPECT_EQ(load(1, kKwsFull, kKwsStreams), MN_ERR_ARENA_TOO_SMALL);
    EXPECT_EQ(load(0, kHarFull, 0), MN_ERR_ARENA_TOO_SMALL); // check-only gives the same status
    // KWS in the HAR slot, and bigger fixtures, in either slot.
    EXPECT_EQ(load(0, kKwsLean, 1), MN_ERR_ARENA_TOO_SMALL);
    EXPECT_EQ(load(0, "kws_size.mnm", 1), MN_ERR_ARENA_TOO_SMALL);
    EXPECT_EQ(load(1, "largest.mnm", 1), MN_ERR_ARENA_TOO_SMALL);

    EXPECT_EQ(crc(0), har_crc);
    EXPECT_EQ(crc(1), kws_crc);
    EXPECT_EQ(mn_engine_steps(0, 1), 40);
    EXPECT_EQ(mn_engine_read(0, 1, after.data(), MN_MAX_CLASSES), best);
    EXPECT_EQ(before, after);
    gen.fill(x.data(), 9);
    EXPECT_EQ(mn_engine_push_features(0, x.data(), 9), MN_OK);
    EXPECT_EQ(mn_engine_steps(0, 1), 41);
}

// Lean in the device-sized engine == full in the plain API, stream by stream.
TEST_F(EngineDevice, LeanSlotGivesTheFullFilesResults)
{
    ASSERT_EQ(load(1, kKwsLean, kKwsStreams), MN_OK);
    Loaded full(fixture_path(kKwsFull).substr(std::string(MN_FIXTURE_DIR).size() + 1));
    mn_test::expect_slot_matches_plain_api(1, kKwsStreams, full, 300, 9);
}
