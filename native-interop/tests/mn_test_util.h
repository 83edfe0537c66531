// Shared helpers for the GoogleTest suites: fixture files, a loaded model with its buffers,
// and a seeded generator of int8 feature frames.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mamba_nano.h"

namespace mn_test {

inline std::string fixture_path(const std::string &name)
{
    return std::string(MN_FIXTURE_DIR) + "/" + name;
}

inline std::vector<uint8_t> read_file(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f),
                                std::istreambuf_iterator<char>());
}

// A model loaded from a fixture, with a 4-byte-aligned state and scratch of the companion sizes.
struct Loaded {
    std::vector<uint8_t> file;
    std::vector<uint8_t> arena;
    mn_model model{};
    mn_status status = MN_ERR_NOT_LOADED;
    std::vector<uint32_t> state_words, scratch_words;

    explicit Loaded(const std::string &fixture)
    {
        file = read_file(fixture_path(fixture));
        arena.resize(mn_model_arena_size(file.data(), file.size()));
        status = mn_model_load(&model, arena.data(), arena.size(), file.data(), file.size());
        if (status == MN_OK) {
            state_words.resize((mn_state_size(&model) + 3) / 4);
            scratch_words.resize((mn_scratch_size(&model) + 3) / 4);
        }
    }
    void *state() { return state_words.data(); }
    size_t state_size() const { return state_words.size() * 4; }
    void *scratch() { return scratch_words.data(); }
    size_t scratch_size() const { return scratch_words.size() * 4; }
};

// Deterministic int8 frames: xorshift32, uniform in [lo, hi].
class FrameGen {
  public:
    explicit FrameGen(uint32_t seed) : s_(seed ? seed : 1u) {}
    uint32_t next()
    {
        s_ ^= s_ << 13;
        s_ ^= s_ >> 17;
        s_ ^= s_ << 5;
        return s_;
    }
    void fill(int8_t *out, int n, int lo = -128, int hi = 127)
    {
        for (int i = 0; i < n; i++) {
            out[i] = static_cast<int8_t>(
                lo + static_cast<int>(next() % static_cast<uint32_t>(hi - lo + 1)));
        }
    }

  private:
    uint32_t s_;
};

} // namespace mn_test
