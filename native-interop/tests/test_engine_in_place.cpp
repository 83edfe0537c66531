// The engine as the app's firmware builds it (MN_ENGINE_DEVICE_SIZES, which ESP_PLATFORM selects:
// models read in place, no arenas, 18,264 B of buffers; this executable compiles its own copy of
// mn_engine.c with those defaults). The lean shipped models run from the caller's file with the
// app's stream counts and give the same probabilities as the full files through the plain API;
// every copied load is refused and the running model kept.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "mn_engine.h"
#include "mn_engine_check.h"
#include "mn_test_util.h"

using mn_test::fixture_path;
using mn_test::Loaded;
using mn_test::read_file;

#if !defined(MN_ENGINE_DEVICE_SIZES) || MN_ENGINE_ARENA_BYTES_0 != 0 || MN_ENGINE_ARENA_BYTES_1 != 0
#error "test_engine_in_place is built with -DMN_ENGINE_DEVICE_SIZES and no arenas"
#endif

namespace {

constexpr int kHarStreams = 6, kKwsStreams = 5;

// A model file at a 4-byte-aligned address that stays put, as a resource in flash does.
struct InPlaceFile {
    explicit InPlaceFile(const char *path)
    {
        const auto bytes = read_file(fixture_path(path));
        words.resize(bytes.size() / 4 + 1);
        std::memcpy(words.data(), bytes.data(), bytes.size());
        size = (int32_t)bytes.size();
    }
    const uint8_t *data() const { return reinterpret_cast<const uint8_t *>(words.data()); }
    std::vector<uint32_t> words;
    int32_t size = 0;
};

class EngineInPlace : public ::testing::Test {
  protected:
    void SetUp() override
    {
        for (int s = 0; s < MN_ENGINE_SLOTS; s++)
            mn_engine_unload(s);
    }
    void TearDown() override { SetUp(); }
};

} // namespace

TEST_F(EngineInPlace, LeanModelsRunInPlaceWithTheAppsStreamsAndMatchThePlainApi)
{
    const InPlaceFile har("../../../weights/device/har.mnm"),
        kws("../../../weights/device/kws.mnm");
    ASSERT_EQ(mn_engine_load_in_place(0, har.data(), har.size, kHarStreams), MN_OK);
    ASSERT_EQ(mn_engine_load_in_place(1, kws.data(), kws.size, kKwsStreams), MN_OK);
    // One stream more still does not fit the states.
    EXPECT_EQ(mn_engine_load_in_place(1, kws.data(), kws.size, kKwsStreams + 1),
              MN_ERR_BUFFER_TOO_SMALL);

    Loaded full("../../../weights/kws.mnm");
    mn_test::expect_slot_matches_plain_api(1, kKwsStreams, full, 200, 9);
}

TEST_F(EngineInPlace, CopiedLoadsAreRefusedAndTheRunningModelKept)
{
    const InPlaceFile har("../../../weights/device/har.mnm");
    ASSERT_EQ(mn_engine_load_in_place(0, har.data(), har.size, kHarStreams), MN_OK);
    std::vector<int32_t> info_before(MN_INFO_COUNT), info_after(MN_INFO_COUNT);
    ASSERT_EQ(mn_engine_info(0, info_before.data(), MN_INFO_COUNT), MN_OK);
    const auto copy = read_file(fixture_path("../../../weights/device/har.mnm"));
    EXPECT_EQ(mn_engine_load(0, copy.data(), (int32_t)copy.size(), kHarStreams),
              MN_ERR_ARENA_TOO_SMALL);
    EXPECT_EQ(mn_engine_load(0, copy.data(), (int32_t)copy.size(), 0), MN_ERR_ARENA_TOO_SMALL);
    EXPECT_EQ(mn_engine_load(1, copy.data(), (int32_t)copy.size(), kHarStreams),
              MN_ERR_ARENA_TOO_SMALL);
    ASSERT_EQ(mn_engine_info(0, info_after.data(), MN_INFO_COUNT), MN_OK);
    EXPECT_EQ(info_after, info_before);
}
