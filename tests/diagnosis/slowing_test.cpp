// Growth that slows down after a warm-up but has not levelled off enough to prove it: undecided, with
// how long to watch, never a leak; a slow leak after a warm-up keeps its pace and stays a leak.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "diagnosis/diagnosis.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

// The measured live heap of examples/patterns/template_cache_settling.cpp (3,000 templates compiled on
// first use, Zipf-like popularity): 16.7 MB in 5 s, 19.0 at 8 s, 20.1 at 12 s, 20.6 at 16 s.
Series template_cache() { return testing::load_live_heap("template_cache_settling.csv"); }

TEST(Slowing, ACacheFillingEverMoreSlowlyIsUndecidedNotALeak) {
    // A straight line through its tail read 628 MB/h, "Leak, critical".
    const Diagnosis d = diagnose(template_cache());
    EXPECT_FALSE(d.leak) << d.summary;
    EXPECT_FALSE(d.decided) << d.summary;
    ASSERT_TRUE(d.watch_more_s) << d.summary;
    EXPECT_GE(*d.watch_more_s, 60.0);
    EXPECT_NE(d.summary.find("slowing down"), std::string::npos) << d.summary;
    // Today's pace is the last third's (~0.1 MB/s), not the average since the warm-up.
    EXPECT_LT(d.steady_rate_bytes_per_s, 0.16e6) << d.summary;
}

TEST(Slowing, ASlowLeakAfterAWarmupKeepsItsPaceAndStaysALeak) {
    // A 20 MB warm-up in the first 3 s, then 100 kB/s for good, over 16 s at 10 Hz.
    const Series s = make_series(160, 0.1, [](double t) { return 8 * kMB + 20 * kMB * (1 - std::exp(-t / 0.8)) + 0.1e6 * t; }, 0.02 * kMB);
    const Diagnosis d = diagnose(s);
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 0.1e6, 0.02e6) << d.summary;
}

TEST(Slowing, ALongWarmupTailThenASteadyLeakIsALeakOnceThePaceStopsFalling) {
    // 150 MB of warm-up with a 4 h time constant under a 2 MB/h leak, a point a minute for 72 h (one
    // life of a fleet): the first third still carries the warm-up's tail, so the pace falls to under
    // half of it, but the middle and last thirds grow alike. It was "too early to tell: watch 3 days".
    const Series s = make_series(72 * 60, 60, [](double t) { return 300 * kMB + 150 * kMB * (1 - std::exp(-t / (4 * 3600.0))) + 2 * kMB * t / 3600; }, 1 * kMB);
    const Diagnosis d = diagnose(s);
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_NEAR(d.steady_rate_bytes_per_s * 3600, 2 * kMB, 0.3 * kMB) << d.summary;
}

TEST(Slowing, AWarmupInStepsThatEndedAThirdOfTheRunAgoIsAPlateau) {
    // The RSS of a JVM filling a bounded cache (examples/patterns/java/TileCacheSettling.java, tracked):
    // 184 MB in 6.6 s, then steps as young collections promoted the cache (at 9.2, 9.7, 12.7 and
    // 16.2 s), then flat to 24.6 s. The warm-up took 66% of the run, over the 60% a warm-up was
    // allowed, so the whole run was judged as growth: "Leak: grows in 3 steps, 3.38 MB/s".
    const Diagnosis d = diagnose(testing::load_live_heap("java_tile_cache_settling_rss.csv"));
    EXPECT_FALSE(d.leak) << d.summary;
    EXPECT_EQ(d.pattern, Pattern::warmup_plateau) << d.summary;
    EXPECT_GT(d.warmup_bytes, 150 * kMB) << d.summary;
}

TEST(Slowing, AFastFillThatEndedUnderALeakFromTheStartIsALeakAtItsLaterPace) {
    // The RSS of examples/patterns/python/numpy_view_pins_base_leak.py under --no-track: numpy views
    // pin 5 blocks of 64 KiB a second from the start while the gateway fills its per-sensor buffers,
    // 820 kB/s to 8 s and 328 kB/s after. The first third's pace is 2.5 times the last's, which read
    // "Growing 1.18 GB/h and slowing down: too early to tell", though the last half never slowed.
    const Diagnosis d = diagnose(testing::load_live_heap("numpy_view_pins_rss.csv"));
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 328e3, 0.05 * 328e3) << d.summary;
    // The fill is its one-time growth, from the first sample to the knee (imports and buffers: ~29 MB).
    EXPECT_NEAR(d.warmup_end_s, 8.0, 0.5) << d.summary;
    EXPECT_NEAR(d.warmup_bytes, 29e6, 2e6) << d.summary;
    // And the summary says why the warm-up lasted 8 s: a fill at 2.5 times the leak's pace (820 kB/s) ended there.
    EXPECT_NE(d.summary.find("(a fill at 2.95 GB/h, 2.5 times the leak's pace, that slowed to it there)"), std::string::npos) << d.summary;
}

TEST(Slowing, ATailTooShortToProveItLevelsOffIsSettlingWhenTheWholeClimbIsOneCurve) {
    // examples/patterns/shell/authlog_geoip_cache_settling.sh's live heap, measured (session 23): bash's
    // cache of GeoIP answers over a finite population, 0.56 -> 1.38 MB over 0.5-3 s, 1.94 MB by 9 s, 2.01 MB
    // at 16 s. The warm-up found ends at 9.5 s and its tail alone slowed by less than the third that
    // proves a curve: "slowing down, watch 1 min more". The whole climb is one curve levelling off.
    const Diagnosis d = diagnose(testing::load_live_heap("bash_geoip_cache_settling.csv"));
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
    ASSERT_TRUE(d.settling_toward_bytes.has_value()) << d.summary;
    EXPECT_NEAR(*d.settling_toward_bytes, 2.0e6, 0.15e6) << d.summary;
}

TEST(Slowing, AFastWarmupOverASlowLeakIsNoCurveThroughItsTail) {
    // A warm-up levelling off fast (10 MB, e-folding 1.5 s) over a leak of 20 kB/s from the start: the
    // whole climb bends like a curve, but the curve levels off while the data climbs on. Never "no leak".
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const Series s = make_series(160, 0.1, [](double t) { return 30 * kMB + 10 * kMB * (1 - std::exp(-t / 1.5)) + 20e3 * t; }, 5e3, seed);
        const Diagnosis d = diagnose(s);
        EXPECT_TRUE(d.leak || !d.decided) << "seed " << seed << ": " << d.summary;
    }
}

TEST(Slowing, AKneeIsTwoPacesAndATailThatKeepsBendingIsNot) {
    // The same two paces, built with noise, are a knee and a leak at the second pace; a warm-up that
    // slows as much, exponentially (the pace falling to a quarter over the run), still settles: no
    // seed of it becomes a leak.
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const Series knee = make_series(160, 0.1, [](double t) { return 30 * kMB + 0.82e6 * std::min(t, 8.0) + 0.328e6 * std::max(0.0, t - 8); }, 20e3, seed);
        const Diagnosis two_paces = diagnose(knee);
        EXPECT_TRUE(two_paces.leak && two_paces.decided) << "seed " << seed << ": " << two_paces.summary;
        EXPECT_NEAR(two_paces.steady_rate_bytes_per_s, 0.328e6, 0.03e6) << "seed " << seed << ": " << two_paces.summary;
        EXPECT_NE(two_paces.summary.find(" times the leak's pace, that slowed to it there)"), std::string::npos) << "seed " << seed << ": " << two_paces.summary;
        const Series bending = make_series(160, 0.1, [](double t) { return 30 * kMB + 12 * kMB * (1 - std::exp(-t / 11.0)); }, 20e3, seed);
        const Diagnosis settling = diagnose(bending);
        EXPECT_FALSE(settling.leak) << "seed " << seed << ": " << settling.summary;
    }
}

}  // namespace
}  // namespace leakscope::diagnosis
