// The engine (mn_engine.h): the static slots the app drives through interop and P/Invoke. It must
// give exactly the results of the plain C API, refuse bad input with its own status and leave a
// running slot as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "mn_engine.h"
#include "mn_test_util.h"

using mn_test::fixture_path;
using mn_test::FrameGen;
using mn_test::Loaded;
using mn_test::read_file;

namespace {

class Engine : public ::testing::Test {
  protected:
    void SetUp() override
    {
        for (int s = 0; s < MN_ENGINE_SLOTS; s++)
            mn_engine_unload(s);
    }
    void TearDown() override { SetUp(); }

    static std::vector<int32_t> info(int slot)
    {
        std::vector<int32_t> out(MN_INFO_COUNT);
        EXPECT_EQ(mn_engine_info(slot, out.data(), MN_INFO_COUNT), MN_OK);
        return out;
    }
    static int read(int slot, std::vector<int32_t> &probs, int stream = 0)
    {
        probs.assign(MN_MAX_CLASSES, -1);
        return mn_engine_read(slot, stream, probs.data(), MN_MAX_CLASSES);
    }
    static void load(int slot, const char *fixture, int streams = 1)
    {
        auto file = read_file(fixture_path(fixture));
        ASSERT_EQ(mn_engine_load(slot, file.data(), (int32_t)file.size(), streams), MN_OK);
    }
    // Samples as little-endian bytes of bytes_per_sample (the value in the top 16 bits).
    static std::vector<uint8_t> pcm_bytes(const std::vector<int16_t> &x, int bytes_per_sample)
    {
        std::vector<uint8_t> out;
        for (int16_t v : x) {
            for (int i = 0; i < bytes_per_sample - 2; i++)
                out.push_back((uint8_t)(0x5a + i)); // low bits: ignored
            out.push_back((uint8_t)((uint16_t)v & 0xff));
            out.push_back((uint8_t)((uint16_t)v >> 8));
        }
        return out;
    }
};

// The probabilities and argmax the plain API gives after stepping `frames`.
int reference_read(Loaded &m, const std::vector<int32_t> &logits_out, std::vector<int32_t> &probs)
{
    std::vector<uint16_t> p(m.model.n_classes);
    int best = mn_softmax_q15(&m.model, logits_out.data(), p.data());
    probs.assign(p.begin(), p.end());
    return best;
}

TEST_F(Engine, FeaturesPathEqualsThePlainApiBitForBit)
{
    load(0, "odd.mnm");
    Loaded ref("odd.mnm");
    ASSERT_EQ(ref.status, MN_OK);
    ASSERT_EQ(mn_state_reset(&ref.model, ref.state(), ref.state_size()), MN_OK);
    FrameGen gen(7);
    std::vector<int8_t> frame(ref.model.n_features);
    std::vector<int32_t> probs, logits(ref.model.n_classes), ref_probs;
    for (int t = 0; t < 300; t++) {
        gen.fill(frame.data(), (int)frame.size());
        ASSERT_EQ(mn_engine_push_features(0, frame.data(), (int32_t)frame.size()), MN_OK);
        ASSERT_EQ(mn_step_s8(&ref.model, ref.state(), ref.state_size(), ref.scratch(),
                             ref.scratch_size(), frame.data()),
                  MN_OK);
        if (t % 50 == 49) {
            ASSERT_EQ(mn_logits_q8(&ref.model, ref.state(), ref.state_size(), logits.data()),
                      MN_OK);
            const int best = reference_read(ref, logits, ref_probs);
            ASSERT_EQ(read(0, probs), best);
            for (int c = 0; c < ref.model.n_classes; c++)
                EXPECT_EQ(probs[c], ref_probs[c]) << c;
        }
    }
    auto i = info(0);
    EXPECT_EQ(mn_engine_steps(0, 0), 300);
    EXPECT_EQ(i[MN_INFO_STREAMS], 1);
    EXPECT_EQ(i[MN_INFO_CLASSES], ref.model.n_classes);
    EXPECT_EQ((uint32_t)i[MN_INFO_MODEL_CRC], ref.model.crc32);
    EXPECT_EQ(i[MN_INFO_STATE_BYTES], (int32_t)mn_state_size(&ref.model));
}

TEST_F(Engine, ImuCountsPathEqualsFrontEndThenStep)
{
    load(0, "imu.mnm");
    EXPECT_EQ(info(0)[MN_INFO_SAMPLE_RATE], MN_IMU_SAMPLE_RATE_HZ);
    EXPECT_EQ(info(0)[MN_INFO_FRAME_SAMPLES], 1);
    Loaded ref("imu.mnm");
    ASSERT_EQ(mn_state_reset(&ref.model, ref.state(), ref.state_size()), MN_OK);
    std::vector<uint8_t> fe(mn_imu_state_size() + 8);
    void *fe_state = fe.data();
    ASSERT_EQ(mn_imu_reset(fe_state, mn_imu_state_size(), 50), MN_FE_OK);
    FrameGen gen(3);
    int16_t counts[6];
    int8_t features[MN_IMU_FEATURES];
    for (int t = 0; t < 200; t++) {
        for (auto &c : counts)
            c = (int16_t)(gen.next() >> 16);
        ASSERT_EQ(mn_engine_push_imu_counts(0, counts, 6, 4, 500), MN_OK);
        ASSERT_EQ(mn_imu_step_counts_s8(fe_state, mn_imu_state_size(), 4, 500, counts, counts + 3,
                                        features),
                  MN_FE_OK);
        ASSERT_EQ(mn_step_s8(&ref.model, ref.state(), ref.state_size(), ref.scratch(),
                             ref.scratch_size(), features),
                  MN_OK);
    }
    std::vector<int32_t> probs, logits(ref.model.n_classes), ref_probs;
    ASSERT_EQ(mn_logits_q8(&ref.model, ref.state(), ref.state_size(), logits.data()), MN_OK);
    EXPECT_EQ(read(0, probs), reference_read(ref, logits, ref_probs));
    for (int c = 0; c < ref.model.n_classes; c++)
        EXPECT_EQ(probs[c], ref_probs[c]);
}

TEST_F(Engine, AudioPathTakesWholeHopsAndMeasuresTheSignal)
{
    load(1, "logmel.mnm");
    std::vector<int16_t> pcm(3 * MN_AUDIO_HOP_SAMPLES, 0);
    pcm[5] = INT16_MAX;
    pcm[6] = INT16_MIN;
    auto bytes = pcm_bytes(pcm, 2);
    EXPECT_EQ(mn_engine_push_pcm(1, bytes.data(), (int32_t)bytes.size(), 2), MN_OK);
    EXPECT_EQ(mn_engine_steps(1, 0), 3);
    int32_t signal[MN_SIGNAL_COUNT];
    ASSERT_EQ(mn_engine_signal(1, signal, MN_SIGNAL_COUNT), MN_OK);
    EXPECT_EQ(signal[MN_SIGNAL_PEAK], 32768);
    EXPECT_EQ(signal[MN_SIGNAL_CLIPPED], 2);
    EXPECT_EQ(signal[MN_SIGNAL_SAMPLES], 3 * MN_AUDIO_HOP_SAMPLES);
    // Half a hop: refused, nothing processed.
    EXPECT_EQ(mn_engine_push_pcm(1, bytes.data(), 320, 2), MN_FE_ERR_HOP);
    EXPECT_EQ(mn_engine_push_pcm(1, bytes.data(), 640, 3), MN_ERR_ARG);
    EXPECT_EQ(mn_engine_steps(1, 0), 3);
    // Silence (a DC offset): mean absolute deviation 0.
    auto silent = pcm_bytes(std::vector<int16_t>(MN_AUDIO_HOP_SAMPLES, 100), 2);
    ASSERT_EQ(mn_engine_push_pcm(1, silent.data(), (int32_t)silent.size(), 2), MN_OK);
    ASSERT_EQ(mn_engine_signal(1, signal, MN_SIGNAL_COUNT), MN_OK);
    EXPECT_EQ(signal[MN_SIGNAL_MEAN_ABS], 0);
    EXPECT_EQ(signal[MN_SIGNAL_PEAK], 100);
}

TEST_F(Engine, AFailedLoadLeavesTheRunningModelAsItWas)
{
    load(0, "odd.mnm");
    FrameGen gen(11);
    std::vector<int8_t> frame(5);
    for (int t = 0; t < 40; t++) {
        gen.fill(frame.data(), 5);
        ASSERT_EQ(mn_engine_push_features(0, frame.data(), 5), MN_OK);
    }
    std::vector<int32_t> before, after;
    const int best_before = read(0, before);
    auto info_before = info(0);

    auto bad = read_file(fixture_path("tiny.mnm"));
    bad[bad.size() / 2] ^= 0x10;
    EXPECT_EQ(mn_engine_load(0, bad.data(), (int32_t)bad.size(), 1), MN_ERR_CRC);
    auto big = read_file(fixture_path("largest.mnm")); // 193 KB: more than the arena
    EXPECT_EQ(mn_engine_load(0, big.data(), (int32_t)big.size(), 1), MN_ERR_ARENA_TOO_SMALL);
    auto kws =
        read_file(fixture_path("kws_size.mnm")); // 4,744 B of state: 3 streams fit 16 KB, 8 do not
    EXPECT_EQ(mn_engine_load(0, kws.data(), (int32_t)kws.size(), 8), MN_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(mn_engine_load(0, bad.data(), 10, 1), MN_ERR_TRUNCATED);
    EXPECT_EQ(mn_engine_load(0, nullptr, 100, 1), MN_ERR_ARG);

    EXPECT_EQ(read(0, after), best_before);
    EXPECT_EQ(after, before);
    EXPECT_EQ(info(0), info_before);
    // And it keeps stepping.
    EXPECT_EQ(mn_engine_push_features(0, frame.data(), 5), MN_OK);
}

// A slot loaded in place reads the caller's file where it is, without its arena: the same
// probabilities as a copied load, bit for bit, and a later change to the file shows through
// (the file must stay put: mn_engine.h). A file at an address that is not a multiple of
// MN_IN_PLACE_ALIGN is refused and the slot keeps its model.
TEST_F(Engine, InPlaceLoadReadsTheFileWhereItIs)
{
    const auto file = read_file(fixture_path("odd.mnm"));
    std::vector<uint32_t> words(file.size() / 4 + 2); // 4-byte aligned storage, one word spare
    uint8_t *in_place = reinterpret_cast<uint8_t *>(words.data());
    std::memcpy(in_place, file.data(), file.size());
    load(0, "odd.mnm");
    ASSERT_EQ(mn_engine_load_in_place(1, in_place, (int32_t)file.size(), 1), MN_OK);
    EXPECT_EQ(info(1), info(0));
    const int n_features = info(0)[MN_INFO_FEATURES];
    FrameGen gen(11);
    std::vector<int8_t> frame(n_features);
    std::vector<int32_t> copied, read_in_place;
    for (int t = 0; t < 100; t++) {
        gen.fill(frame.data(), n_features);
        ASSERT_EQ(mn_engine_push_features(0, frame.data(), n_features), MN_OK);
        ASSERT_EQ(mn_engine_push_features(1, frame.data(), n_features), MN_OK);
        ASSERT_EQ(read(0, copied), read(1, read_in_place));
        ASSERT_EQ(copied, read_in_place) << "step " << t;
    }
    // Class names are read from the file: rename class 0 there.
    std::vector<uint8_t> name(MN_CLASS_NAME_BYTES), renamed(MN_CLASS_NAME_BYTES);
    ASSERT_EQ(mn_engine_class_name(1, 0, name.data(), (int32_t)name.size()), MN_OK);
    uint8_t *at = std::search(in_place, in_place + file.size(), name.begin(),
                              name.begin() + (long)std::strlen((const char *)name.data()));
    ASSERT_NE(at, in_place + file.size());
    *at ^= 0x20; // letter case
    ASSERT_EQ(mn_engine_class_name(1, 0, renamed.data(), (int32_t)renamed.size()), MN_OK);
    EXPECT_NE(renamed, name);
    ASSERT_EQ(mn_engine_class_name(0, 0, renamed.data(), (int32_t)renamed.size()), MN_OK);
    EXPECT_EQ(renamed, name) << "the copied load read the caller's file";
    *at ^= 0x20;

    const auto info_before = info(1);
    std::vector<uint32_t> other(words.size());
    uint8_t *misaligned = reinterpret_cast<uint8_t *>(other.data()) + 1;
    std::memcpy(misaligned, file.data(), file.size());
    EXPECT_EQ(mn_engine_load_in_place(1, misaligned, (int32_t)file.size(), 1), MN_ERR_ALIGN);
    EXPECT_EQ(mn_engine_load_in_place(1, misaligned, (int32_t)file.size(), 0), MN_ERR_ALIGN);
    EXPECT_EQ(info(1), info_before);
    EXPECT_EQ(read(1, read_in_place), read(0, copied));
    EXPECT_EQ(read_in_place, copied) << "a refused load changed the slot";
}

// n_streams 0 checks a file as a load would, and never touches the slot: the app validates this
// way before it reads the file's task byte, so a valid file of the other task is refused while the
// running model keeps running.
TEST_F(Engine, CheckOnlyValidatesWithoutTouchingTheSlot)
{
    load(0, "imu.mnm", 2);
    auto info_before = info(0);
    auto logmel = read_file(fixture_path("logmel.mnm"));
    EXPECT_EQ(mn_engine_load(0, logmel.data(), (int32_t)logmel.size(), 0), MN_OK);
    EXPECT_EQ(info(0), info_before) << "a check replaced the running model";
    auto bad = logmel;
    bad[bad.size() / 2] ^= 0x10;
    EXPECT_EQ(mn_engine_load(0, bad.data(), (int32_t)bad.size(), 0), MN_ERR_CRC);
    auto appended = logmel;
    appended.resize(appended.size() + 1000, 0);
    EXPECT_EQ(mn_engine_load(0, appended.data(), (int32_t)appended.size(), 0), MN_ERR_TRAILING);
    EXPECT_EQ(mn_engine_load(0, appended.data(), (int32_t)appended.size(), 1), MN_ERR_TRAILING);
    auto big = read_file(fixture_path("largest.mnm"));
    EXPECT_EQ(mn_engine_load(0, big.data(), (int32_t)big.size(), 0), MN_ERR_ARENA_TOO_SMALL);
    std::vector<uint8_t> zeros(4096, 0);
    EXPECT_EQ(mn_engine_load(0, zeros.data(), (int32_t)zeros.size(), 0), MN_ERR_MAGIC);
    EXPECT_EQ(info(0), info_before);
    mn_engine_unload(1);
    EXPECT_EQ(mn_engine_load(1, logmel.data(), (int32_t)logmel.size(), 0), MN_OK);
    EXPECT_EQ(info(1)[MN_INFO_TASK], 0) << "a check loaded a model into an empty slot";
}

TEST_F(Engine, BufferSizeQueryAgreesWithTheLoadedModel)
{
    auto file = read_file(fixture_path("largest.mnm"));
    size_t arena = 0, state = 0, scratch = 0;
    ASSERT_EQ(mn_model_buffer_sizes(file.data(), file.size(), &arena, &state, &scratch), MN_OK);
    Loaded ref("largest.mnm");
    EXPECT_EQ(state, mn_state_size(&ref.model));
    EXPECT_EQ(scratch, mn_scratch_size(&ref.model));
    EXPECT_EQ(arena, mn_model_arena_size(file.data(), file.size()));
    file[100] ^= 1;
    EXPECT_EQ(mn_model_buffer_sizes(file.data(), file.size(), &arena, &state, &scratch),
              MN_ERR_CRC);
}

TEST_F(Engine, StaggeredStreamsEachEqualAFreshModelOverTheirWindow)
{
    load(0, "odd.mnm", 3);
    load(1, "odd.mnm", 1);
    FrameGen gen(9);
    std::vector<int8_t> frame(5);
    std::vector<int32_t> a, b;
    for (int t = 0; t < 90; t++) {
        if (t > 0 && t % 30 == 0)
            ASSERT_EQ(mn_engine_reset(0, (t / 30) % 3), MN_OK);
        if (t == 60)
            ASSERT_EQ(mn_engine_reset(1, 0), MN_OK); // the reference restarts with stream 2
        gen.fill(frame.data(), 5);
        ASSERT_EQ(mn_engine_push_features(0, frame.data(), 5), MN_OK);
        ASSERT_EQ(mn_engine_push_features(1, frame.data(), 5), MN_OK);
    }
    EXPECT_EQ(mn_engine_steps(0, 0), 90);
    EXPECT_EQ(mn_engine_steps(0, 1), 60);
    EXPECT_EQ(mn_engine_steps(0, 2), 30);
    EXPECT_EQ(read(0, a, 2), read(1, b, 0));
    EXPECT_EQ(a, b);
}

TEST_F(Engine, ThirtyTwoBitPcmUsesTheTopSixteenBits)
{
    load(0, "logmel.mnm");
    load(1, "logmel.mnm");
    FrameGen gen(4);
    std::vector<int16_t> pcm(4 * MN_AUDIO_HOP_SAMPLES);
    for (auto &v : pcm)
        v = (int16_t)(gen.next() >> 18);
    auto b16 = pcm_bytes(pcm, 2), b32 = pcm_bytes(pcm, 4);
    ASSERT_EQ(mn_engine_push_pcm(0, b16.data(), (int32_t)b16.size(), 2), MN_OK);
    ASSERT_EQ(mn_engine_push_pcm(1, b32.data(), (int32_t)b32.size(), 4), MN_OK);
    std::vector<int32_t> a, b;
    EXPECT_EQ(read(0, a), read(1, b));
    EXPECT_EQ(a, b);
}

TEST_F(Engine, WrongSampleRateIsRefusedAndTheStreamKeepsItsState)
{
    load(0, "imu.mnm");
    int16_t counts[6] = {100, -200, 16000, 5, -5, 7};
    for (int t = 0; t < 20; t++)
        ASSERT_EQ(mn_engine_push_imu_counts(0, counts, 6, 2, 250), MN_OK);
    std::vector<int32_t> before, after;
    const int best = read(0, before);
    EXPECT_EQ(mn_engine_start(0, 100), MN_FE_ERR_SAMPLE_RATE);
    EXPECT_EQ(read(0, after), best);
    EXPECT_EQ(after, before);
    EXPECT_EQ(mn_engine_push_imu_counts(0, counts, 6, 2, 250), MN_OK);
    EXPECT_EQ(mn_engine_steps(0, 0), 21);
    EXPECT_EQ(mn_engine_start(0, 50), MN_OK);
    EXPECT_EQ(mn_engine_steps(0, 0), 0);
    EXPECT_EQ(read(0, after), -MN_ERR_NO_STEPS);
}

TEST_F(Engine, ResetEqualsAFreshLoad)
{
    load(0, "odd.mnm");
    load(1, "odd.mnm");
    FrameGen gen(5);
    std::vector<int8_t> frame(5);
    for (int t = 0; t < 100; t++) {
        gen.fill(frame.data(), 5);
        ASSERT_EQ(mn_engine_push_features(0, frame.data(), 5), MN_OK);
    }
    ASSERT_EQ(mn_engine_reset(0, 0), MN_OK);
    for (int t = 0; t < 30; t++) {
        gen.fill(frame.data(), 5);
        ASSERT_EQ(mn_engine_push_features(0, frame.data(), 5), MN_OK);
        ASSERT_EQ(mn_engine_push_features(1, frame.data(), 5), MN_OK);
    }
    std::vector<int32_t> a, b;
    EXPECT_EQ(read(0, a), read(1, b));
    EXPECT_EQ(a, b);
}

TEST_F(Engine, BadArgumentsGetTheirOwnStatus)
{
    int16_t counts[6] = {0};
    int8_t frame[8] = {0};
    int32_t out[MN_INFO_COUNT];
    EXPECT_EQ(mn_engine_load(MN_ENGINE_SLOTS, (const uint8_t *)frame, 8, 1), MN_ENGINE_ERR_SLOT);
    EXPECT_EQ(mn_engine_load(-1, (const uint8_t *)frame, 8, 1), MN_ENGINE_ERR_SLOT);
    EXPECT_EQ(mn_engine_load(0, (const uint8_t *)frame, 8, -1), MN_ENGINE_ERR_STREAM);
    EXPECT_EQ(mn_engine_load(0, (const uint8_t *)frame, 8, 0), MN_ERR_TRUNCATED)
        << "0 streams: check only";
    EXPECT_EQ(mn_engine_load(0, (const uint8_t *)frame, 8, MN_ENGINE_MAX_STREAMS + 1),
              MN_ENGINE_ERR_STREAM);
    EXPECT_EQ(mn_engine_push_features(0, frame, 5), MN_ERR_NOT_LOADED);
    EXPECT_EQ(mn_engine_reset(0, 0), MN_ERR_NOT_LOADED);
    EXPECT_EQ(mn_engine_info(0, out, MN_INFO_COUNT - 1), MN_ENGINE_ERR_LENGTH);
    EXPECT_EQ(mn_engine_info(0, out, MN_INFO_COUNT), MN_OK);
    EXPECT_EQ(out[MN_INFO_TASK], 0);
    load(0, "imu.mnm");
    EXPECT_EQ(mn_engine_push_pcm(0, (const uint8_t *)counts, 0, 2), MN_ENGINE_ERR_FRONTEND);
    EXPECT_EQ(mn_engine_reset(0, 1), MN_ENGINE_ERR_STREAM);
    EXPECT_EQ(mn_engine_steps(0, -1), -MN_ENGINE_ERR_STREAM);
    EXPECT_EQ(mn_engine_push_imu_counts(0, counts, 5, 2, 250), MN_ENGINE_ERR_LENGTH);
    EXPECT_EQ(mn_engine_push_imu_counts(0, counts, 6, 3, 250), MN_FE_ERR_FULL_SCALE);
    EXPECT_EQ(mn_engine_push_features(0, frame, 8), MN_ENGINE_ERR_LENGTH);
    int32_t probs[2];
    EXPECT_EQ(mn_engine_read(0, 0, probs, 2), -MN_ENGINE_ERR_LENGTH);
    uint8_t name[MN_CLASS_NAME_BYTES];
    EXPECT_EQ(mn_engine_class_name(0, 6, name, sizeof name), MN_ERR_ARG);
    ASSERT_EQ(mn_engine_class_name(0, 5, name, sizeof name), MN_OK);
    EXPECT_STREQ((const char *)name, "class5");
    uint8_t text[64];
    EXPECT_GT(mn_engine_status_text(MN_ENGINE_ERR_SLOT, text, sizeof text), 0);
    EXPECT_STREQ((const char *)text, mn_engine_status_message(MN_ENGINE_ERR_SLOT));
    EXPECT_EQ(mn_engine_status_text(MN_FE_ERR_HOP, text, 8), 7);
    EXPECT_EQ(std::strlen((const char *)text), 7u);
}

TEST_F(Engine, LoaderRefusesAFrontEndWhoseFeatureCountIsWrong)
{
    auto file = read_file(fixture_path("odd.mnm")); // F = 5
    file[21] = MN_FRONTEND_IMU;
    const uint32_t crc = mn_crc32(0, file.data() + 20, file.size() - 20);
    std::memcpy(file.data() + 16, &crc, 4); // little-endian host
    EXPECT_EQ(mn_model_validate(file.data(), file.size()), MN_ERR_DIMS);
    EXPECT_EQ(mn_engine_load(0, file.data(), (int32_t)file.size(), 1), MN_ERR_DIMS);
}

} // namespace
