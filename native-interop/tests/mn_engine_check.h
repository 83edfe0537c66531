// A check the engine tests share: a slot's probabilities against the plain API's.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "mn_engine.h"
#include "mn_test_util.h"

namespace mn_test {

// Steps `steps` seeded random frames through slot `slot` (push_features) and through `full` (the
// same model by the plain API, loaded and not yet stepped); after each, every one of the slot's
// `streams` must read the plain API's probabilities and argmax, bit for bit.
inline void expect_slot_matches_plain_api(int slot, int streams, Loaded &full, int steps,
                                          uint32_t seed)
{
    ASSERT_EQ(full.status, MN_OK);
    ASSERT_EQ(mn_state_reset(&full.model, full.state(), full.state_size()), MN_OK);
    FrameGen gen(seed);
    std::vector<int8_t> x(full.model.n_features);
    std::vector<int32_t> logits(full.model.n_classes), probs(MN_MAX_CLASSES);
    std::vector<uint16_t> p(full.model.n_classes);
    for (int t = 0; t < steps; t++) {
        gen.fill(x.data(), full.model.n_features);
        ASSERT_EQ(mn_engine_push_features(slot, x.data(), (int32_t)x.size()), MN_OK);
        ASSERT_EQ(mn_step_s8(&full.model, full.state(), full.state_size(), full.scratch(),
                             full.scratch_size(), x.data()),
                  MN_OK);
        ASSERT_EQ(mn_logits_q8(&full.model, full.state(), full.state_size(), logits.data()), MN_OK);
        const int best = mn_softmax_q15(&full.model, logits.data(), p.data());
        for (int s = 0; s < streams; s++) {
            ASSERT_EQ(mn_engine_read(slot, s, probs.data(), MN_MAX_CLASSES), best);
            for (int c = 0; c < full.model.n_classes; c++)
                ASSERT_EQ(probs[c], p[c]) << "step " << t << " stream " << s;
        }
    }
}

} // namespace mn_test
