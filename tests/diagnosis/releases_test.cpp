// Growth interrupted by releases of memory: a sawtooth must repeat to the end of the run, a collected
// heap (V8) is judged across its full collections, and lows that climb on too few teeth decide nothing.
#include <gtest/gtest.h>

#include <cmath>

#include "diagnosis/diagnosis.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::load_live_heap;
using testing::make_series;

// The series as node's RSS: its collector gives memory back at each full collection.
Diagnosis diagnose_collected(const Series& series) {
    Options collected;
    collected.releases_by_collector = true;
    return diagnose(series, collected);
}

// A 16 s run of a heap growing 1 MB/s on 40 MB that a full collection cuts by 6 MB at t = 9 s.
Series one_release_run() {
    return make_series(160, 0.1, [](double t) { return 40 * kMB + t * kMB - (t >= 9 ? 6 * kMB : 0.0); }, 0.02 * kMB);
}

TEST(Releases, TwoDropsFollowedByALongQuietStretchAreNoSawtooth) {
    // Two collections while a runtime warmed up, then flat for three times as long as they were apart.
    const Series s = make_series(200, 0.1, [](double t) {
        if (t < 2) return 20 * kMB + 2 * t * kMB;
        if (t < 2.1) return 20 * kMB;
        if (t < 4) return 20 * kMB + 2 * (t - 2.1) * kMB;
        return 20 * kMB;
    }, 0.01 * kMB);
    const Diagnosis d = diagnose(s);
    EXPECT_NE(d.pattern, Pattern::bounded_sawtooth) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Releases, ASawtoothThatRepeatsToTheEndStaysOne) {
    const Series s = make_series(300, 0.1, [](double t) { return 30 * kMB + 4 * kMB * std::fmod(t, 3.0) / 3.0; }, 0.01 * kMB);
    EXPECT_EQ(diagnose(s).pattern, Pattern::bounded_sawtooth);
}

TEST(Releases, AClimbOfManyTeethOverAFewDipsIsGrowthNotAnUndecidedSawtooth) {
    // A fragmenting arena's RSS (examples/patterns/fragmentation.cpp, a 12 s run): 4 MB/s, with 2 MB given
    // back three times late in the run as workers end. The lows climb ten teeth: no sawtooth to wait on.
    const Series s = make_series(120, 0.1, [](double t) {
        return 4 * kMB + 4 * t * kMB - 2 * kMB * ((t >= 6.5) + (t >= 8.5) + (t >= 10.5));
    }, 0.02 * kMB);
    const Diagnosis d = diagnose(s);
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_NE(d.pattern, Pattern::bounded_sawtooth) << d.summary;
}

TEST(Releases, ACacheFilledThenSweptIsAWarmupWithTeethOnTop) {
    // A TTL cache fills 20 MB in 2 s, then a sweeper drops 800 kB of expired entries every second.
    const Series s = make_series(160, 0.1, [](double t) {
        if (t < 2) return 5 * kMB + 10 * t * kMB;
        return 25 * kMB + 0.8 * kMB * std::fmod(t - 2, 1.0);
    }, 0.005 * kMB);
    const Diagnosis d = diagnose(s);
    EXPECT_EQ(d.pattern, Pattern::warmup_plateau) << d.summary;
    EXPECT_FALSE(d.leak);
    EXPECT_NEAR(d.warmup_bytes, 20 * kMB, 3 * kMB) << d.summary;
    EXPECT_NE(d.summary.find("with a sawtooth of"), std::string::npos) << d.summary;
}

TEST(Releases, AHistoryListWhoseWarmupIsOneToothIsASawtooth) {
    // Filled to 1000 entries, truncated to 500: the floor's warm-up is one tooth.
    const Series s = make_series(200, 0.1, [](double t) {
        if (t < 2) return 10 * kMB + 2 * t * kMB;
        return 12 * kMB + 2 * kMB * std::fmod(t - 2, 2.0) / 2.0;
    }, 0.005 * kMB);
    EXPECT_EQ(diagnose(s).pattern, Pattern::bounded_sawtooth) << diagnose(s).summary;
}

TEST(Releases, ACollectedHeapWithOneReleaseIsUndecidedAndSaysHowLongToWatch) {
    const Series s = one_release_run();
    const Diagnosis d = diagnose_collected(s);
    EXPECT_FALSE(d.decided) << d.summary;
    EXPECT_FALSE(d.leak);
    ASSERT_TRUE(d.watch_more_s);
    EXPECT_GE(*d.watch_more_s, 60.0);
    EXPECT_NE(d.summary.find("garbage-collected heap"), std::string::npos) << d.summary;
    // The same series from a program without a collector: growth the trend looks through the fall of.
    EXPECT_TRUE(diagnose(s).leak) << diagnose(s).summary;
}

TEST(Releases, TwoTeethOverAClimbingFloorAreJudgedOnTheFloorOutsideACollector) {
    // A fragmenting arena's RSS: 3 MB/s, given back by 6 MB twice. Only a collector's heap waits.
    const Series s = make_series(140, 0.1, [](double t) { return 10 * kMB + 3 * t * kMB - 6 * kMB * std::floor(t / 5.0); },
                                 0.02 * kMB);
    const Diagnosis plain = diagnose(s);
    EXPECT_TRUE(plain.decided) << plain.summary;
    EXPECT_TRUE(plain.leak) << plain.summary;
    EXPECT_FALSE(diagnose_collected(s).decided) << diagnose_collected(s).summary;
}

TEST(Releases, ACollectedHeapWhoseLowsRiseAcrossCollectionsIsALeak) {
    // Ten collections over 200 s, each giving back 8 MB of a heap that keeps 0.5 MB/s.
    const Series s = make_series(2000, 0.1, [](double t) { return 40 * kMB + 0.5 * t * kMB + 8 * kMB * std::fmod(t, 20.0) / 20.0; },
                                 0.02 * kMB);
    const Diagnosis d = diagnose_collected(s);
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_TRUE(d.leak) << d.summary;
}

TEST(Releases, ACollectedHeapWhoseLowsStayFlatIsNoLeak) {
    const Series s = make_series(2000, 0.1, [](double t) { return 40 * kMB + 8 * kMB * std::fmod(t, 20.0) / 20.0; }, 0.02 * kMB);
    const Diagnosis d = diagnose_collected(s);
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Releases, FourRisingTroughsAreTooFewToCallTheFloorFlat) {
    // A tooth of 8 MB every 30 s over a floor rising 0.2 MB/s: four troughs in 130 s, rising 24 MB.
    const Series s = make_series(1300, 0.1, [](double t) { return 40 * kMB + 0.2 * t * kMB + 8 * kMB * std::fmod(t, 30.0) / 30.0; },
                                 0.02 * kMB);
    const Diagnosis d = diagnose(s);
    EXPECT_FALSE(d.leak && !d.decided);
    // Either the floor's climb is proven, or the verdict waits: never "bounded, no leak".
    EXPECT_TRUE(d.leak || !d.decided) << d.summary;
}

TEST(Releases, FiveTroughsClimbingUnderTallTeethAreALeak) {
    // The corpus' chat service (examples/patterns/chat_history_index_leak.cpp), its live heap as
    // measured: a history truncated every 2 s (teeth of 1.8 MB) and an index never pruned, 48 kB/s. After
    // its warm-up five troughs, 2.43, 2.54, 2.63, 2.71, 2.84 MB, each above the one before: far less
    // than half a tooth over the run, but a climb (S = 10 of 10 pairs) that 95% proves exactly.
    const Series measured = load_live_heap("chat_history_index_leak.csv");
    const Diagnosis d = diagnose(measured);
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 48e3, 15e3) << d.summary;
    // The same teeth over a floor that stays put are bounded.
    Series flat = measured;
    for (std::size_t i = 0; i < flat.t_s.size(); ++i)
        if (flat.t_s[i] > 4) flat.value[i] -= 48e3 * (flat.t_s[i] - 4);
    const Diagnosis bounded = diagnose(flat);
    EXPECT_FALSE(bounded.leak) << bounded.summary;
    EXPECT_EQ(bounded.pattern, Pattern::bounded_sawtooth) << bounded.summary;
}

TEST(Releases, LowsThatWanderAsMuchAsTheyClimbAreNoUnprovenClimb) {
    // examples/patterns/jemalloc_pool_flat.cpp's live heap as measured (session 22, tracked): 4,096
    // buffers of random sizes, 3,000 replaced a second, a bounded wander of +-0.5 MB around 15 MB that
    // the cycle finder takes for teeth. Its five troughs, 14.52, 14.40, 14.67, 15.09, 14.83 MB, climb
    // 460 kB on their slope and fall back 266 kB: they read "too few to show a trend: watch 1 min more".
    const Series measured = load_live_heap("jemalloc_pool_flat.csv");
    const Diagnosis d = diagnose(measured);
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Releases, TroughsThatClimbWithASmallFallBackStillWait) {
    // Teeth of 8 MB every 30 s over a floor rising 60 kB/s (a leak under a flushed buffer), the fourth
    // trough 2.5 MB lower than it would be (a release deeper than the rest): four troughs, 43.8, 45.7,
    // 45.0, 49.5 MB, climbing 5.7 MB on their slope with a fall of 0.73 MB, an eighth of it. Not proven,
    // and no evidence of a flat floor.
    const Series s = make_series(1500, 0.1, [](double t) {
        const double dip = (t >= 90 && t < 120 && std::fmod(t, 30.0) < 3) ? 2.5 * kMB : 0.0;
        return 40 * kMB + 0.06 * t * kMB + 8 * kMB * std::fmod(t, 30.0) / 30.0 - dip;
    }, 0.02 * kMB);
    const Diagnosis d = diagnose(s);
    EXPECT_TRUE(d.leak || !d.decided) << d.summary;
}

TEST(Releases, ACollectedHeapsLongWarmupWaitsWithoutSayingItGrows) {
    // node's RSS with an LRU of pages (session 16): a warm-up over the first 8.8 s of 16.7 s, then flat. A
    // warm-up that long and within the collector's headroom (40 MB here; that run's 91 MB outgrew it)
    // waits for the collector's releases, and the summary read "Growing 0 B/s, but ...".
    const Series s = make_series(167, 0.1, [](double t) { return t < 8.8 ? 10 * kMB + 4.5 * kMB * t : 49.6 * kMB; }, 0.3 * kMB);
    const Diagnosis d = diagnose_collected(s);
    ASSERT_FALSE(d.decided) << d.summary;
    EXPECT_FALSE(d.leak);
    EXPECT_TRUE(d.watch_more_s);
    EXPECT_EQ(d.summary.find("Growing"), std::string::npos) << d.summary;
    EXPECT_EQ(d.summary.rfind("Warm-up of", 0), 0u) << d.summary;
    EXPECT_NE(d.summary.find("garbage-collected heap"), std::string::npos) << d.summary;
}

TEST(Releases, ACollectedHeapGrowingPastItsHeadroomWithNoReleaseIsALeak) {
    // node keeping a session per request (session 16): RSS 45 MB after start-up, then 1.3 MB/s with no
    // fall. Growth with no release waits for the collector, but only until it outgrows what a collector
    // lets a heap grow ahead of its collections (twice the level, 64 MiB at least): it read "watch at least
    // 3 min more" after 75 s, and would have for ever.
    const auto node_leak = [](double seconds) {
        const std::size_t n = static_cast<std::size_t>(seconds * 10);
        return diagnose_collected(make_series(n, 0.1, [](double t) { return t < 1.3 ? 35 * kMB * t : 45 * kMB + 1.3 * kMB * (t - 1.3); }, 0.3 * kMB));
    };
    const Diagnosis early = node_leak(16);
    EXPECT_FALSE(early.decided) << early.summary;
    ASSERT_TRUE(early.watch_more_s);
    // (90 MB - 19 MB) / 1.3 MB/s: about a minute, then it is decided.
    EXPECT_LE(*early.watch_more_s, 120.0) << early.summary;
    const Diagnosis late = node_leak(16 + *early.watch_more_s);
    EXPECT_TRUE(late.decided) << late.summary;
    EXPECT_TRUE(late.leak) << late.summary;
    // A bounded cache growing 37 MB ahead of the collector's first full collection (request_cache_flat.js,
    // RSS 10 -> 47 MB in 45 s) is still waited on.
    const Diagnosis bounded = diagnose_collected(make_series(450, 0.1, [](double t) { return 10 * kMB + 0.82 * kMB * t; }, 0.2 * kMB));
    EXPECT_FALSE(bounded.decided) << bounded.summary;
    EXPECT_FALSE(bounded.leak);
}

}  // namespace
}  // namespace leakscope::diagnosis
