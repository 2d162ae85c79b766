// A gauge climbing at one pace, reading after reading (steady_pace.hpp): a leak's line, not a cache's
// bursts and levelling off.
#include <gtest/gtest.h>

#include <cmath>

#include "diagnosis/steady_pace.hpp"

namespace leakscope::diagnosis {
namespace {

// 16 s at 10 samples a second; the allocator's figure read every `read_every` samples (repeats between).
Series readings(double (*value)(double), int read_every = 1) {
    Series s;
    double last = 0;
    for (int i = 0; i <= 160; ++i) {
        const double t = 0.1 * i;
        if (i % read_every == 0) last = value(t);
        s.t_s.push_back(t);
        s.value.push_back(last);
    }
    return s;
}

TEST(SteadyPace, ALineWithSmallJitterIsASteadyPace) {
    const Series s = readings([](double t) { return 48e6 + 20e3 * t + 2e3 * std::sin(7 * t); });
    EXPECT_TRUE(detail::climbs_at_a_steady_pace(s, 2.0, 16.0));
}

TEST(SteadyPace, CachesFillingAndLevellingOffAreNot) {
    // A rise of 80 kB that levels off within a few seconds, with a jitter of its own.
    const Series s = readings([](double t) { return 5.6e6 + 80e3 * (1 - std::exp(-t / 1.5)) + 15e3 * std::sin(3.1 * t); });
    EXPECT_FALSE(detail::climbs_at_a_steady_pace(s, 2.0, 16.0));
}

TEST(SteadyPace, NoiseAroundAWeakTrendIsNot) {
    const Series s = readings([](double t) { return 33e6 + 3e3 * t + 40e3 * std::sin(11 * t) * std::cos(2.3 * t); });
    EXPECT_FALSE(detail::climbs_at_a_steady_pace(s, 2.0, 16.0));
}

TEST(SteadyPace, RepeatedReadingsAreOneReadingEach) {
    // A perfect line read every 8 samples: 18 readings between 2 s and 16 s, too few for a pace.
    const Series sparse = readings([](double t) { return 1e6 + 10e3 * t; }, 8);
    EXPECT_FALSE(detail::climbs_at_a_steady_pace(sparse, 2.0, 16.0));
    const Series dense = readings([](double t) { return 1e6 + 10e3 * t; }, 2);
    EXPECT_TRUE(detail::climbs_at_a_steady_pace(dense, 2.0, 16.0));
}

TEST(SteadyPace, AFallingLineIsNoClimb) {
    const Series s = readings([](double t) { return 10e6 - 20e3 * t; });
    EXPECT_FALSE(detail::climbs_at_a_steady_pace(s, 2.0, 16.0));
}

}  // namespace
}  // namespace leakscope::diagnosis
