// What survived a JVM's young collections (the heap in use less eden, recording format 2.6) as the
// level after each collection: exact, where the heap in use at a sample after the pause carries the
// eden refilled since. Shaped on java_session_index_leak (examples/patterns/java/SessionIndexLeak.java,
// G1, -Xmx128m, a young collection every ~4.7 s, the old generation never collected in the 20 s run)
// and java_fragment_lru_flat, measured under `leakscope run` in session 10.
#include <gtest/gtest.h>

#include <vector>

#include "diagnosis/runtime_heap.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;

// A heap sampled every 0.1 s for 20 s whose young collections leave `levels_mb` (one every 4.7 s from
// 0.6 s on), eden refilling at 20 MB/s of short-lived garbage after each. The first sample after a
// collection finds eden holding what the measured run's did (4.2, 4.2, 7.3, 4.4, 0.2 MB: the heap in use
// read 13.3, 13.5, 17.1, 14.4, 10.6 MB there). `with_eden`: the recording has eden's figure (format
// 2.6), so `survived` is known.
constexpr double kEdenAtTheFirstSampleMb[] = {4.2, 4.2, 7.3, 4.4, 0.2};

ProcessSeries::RuntimeHeap young_collections(const std::vector<double>& levels_mb, bool with_eden) {
    ProcessSeries::RuntimeHeap heap;
    heap.committed_bytes = 128 * kMB;
    heap.max_bytes = 128 * kMB;
    double young = 0, eden = 0, level = 0;
    std::size_t next = 0;
    for (int i = 0; i <= 200; ++i) {
        const double t = 0.1 * i;
        eden += 2 * kMB;
        if (next < levels_mb.size() && t >= 0.6 + 4.7 * static_cast<double>(next)) {
            level = levels_mb[next++] * kMB;
            eden = kEdenAtTheFirstSampleMb[(next - 1) % 5] * kMB;
            ++young;
        }
        heap.used.t_s.push_back(t);
        heap.used.value.push_back(level + eden);
        if (with_eden) heap.survived.push_back(level);
        heap.collections.push_back(young);
        heap.full_collections.push_back(0);
        heap.marking_pauses.push_back(0);
    }
    return heap;
}

TEST(RuntimeHeapSurvived, TheLevelIsWhatSurvivedNotTheHeapInUseAtTheSample) {
    const auto levels = detail::levels_after_collections(young_collections({9.05, 9.33, 9.77, 10.02, 10.41}, true));
    ASSERT_EQ(levels.size(), 5u);
    EXPECT_DOUBLE_EQ(levels[1].used_bytes, 9.33 * kMB);
    EXPECT_DOUBLE_EQ(levels[2].used_bytes, 9.77 * kMB);
}

TEST(RuntimeHeapSurvived, WhatSurvivesClimbingAtEachYoungCollectionIsUndecidedNotNoLeak) {
    // Steady state from 9 s (RSS's warm-up: G1 committing its heap): two collections after it, too few
    // for the heap in use, but what survived rose at each of the last four.
    const auto finding = detail::runtime_heap_leak(young_collections({9.05, 9.33, 9.77, 10.02, 10.41}, true), 9.0, {});
    ASSERT_TRUE(finding);
    EXPECT_FALSE(finding->diagnosis.leak);
    EXPECT_FALSE(finding->diagnosis.decided);
    ASSERT_TRUE(finding->diagnosis.watch_more_s);
    EXPECT_GE(*finding->diagnosis.watch_more_s, 60.0);
    // The pace of what survived from the first of the four to the last (the program leaks ~68 kB/s).
    const auto levels = detail::levels_after_collections(young_collections({9.05, 9.33, 9.77, 10.02, 10.41}, true));
    EXPECT_DOUBLE_EQ(finding->diagnosis.steady_rate_bytes_per_s, (10.41 - 9.33) * kMB / (levels[4].t_s - levels[1].t_s));
    // Without eden's figure the same run gives no finding: its levels carry the sampling instant's eden.
    EXPECT_FALSE(detail::runtime_heap_leak(young_collections({9.05, 9.33, 9.77, 10.02, 10.41}, false), 9.0, {}));
}

TEST(RuntimeHeapSurvived, LevelsThatStopRisingOrBarelyRiseAreNoFinding) {
    // A bounded LRU: the same level again, or within a fraction of a percent.
    EXPECT_FALSE(detail::runtime_heap_leak(young_collections({8.53, 9.87, 9.87, 9.87, 9.87}, true), 9.0, {}));
    EXPECT_FALSE(detail::runtime_heap_leak(young_collections({8.55, 9.86, 9.87, 9.88, 9.89}, true), 9.0, {}));
    // One fall among the last four.
    EXPECT_FALSE(detail::runtime_heap_leak(young_collections({9.05, 9.33, 9.77, 9.70, 10.41}, true), 9.0, {}));
    // A warm-up levelling off: its last step well under a third of the four levels' average pace.
    EXPECT_FALSE(detail::runtime_heap_leak(young_collections({4.0, 7.0, 9.0, 9.5, 9.52}, true), 9.0, {}));
}

// java_dataloader_singleton_cache_leak (examples/patterns/java, -XX:+UseParallelGC, a cache leaking
// ~1.9 MB/s), as recorded under --no-track in session 24, sampled every 0.1 s: a young collection at 11.0 s
// left 27.6 MB; the full collection at 17.7 s compacted eden in place, leaving 11.0 MB of what was live in
// it (eden 35.4 -> 11.0 MB, then refilling at ~5 MB/s), so the heap less eden read 26.6 MB where 37.6 MB
// was live. `eden_kept_mb` 0: a collector that empties eden (serial, G1).
ProcessSeries::RuntimeHeap parallel_full_collection(double eden_kept_mb) {
    ProcessSeries::RuntimeHeap heap;
    heap.max_bytes = 512 * kMB;
    double young = 0, full = 0, old_gen = 13.6 * kMB, eden = 0;
    for (int i = 0; i <= 208; ++i) {
        const double t = 0.1 * i;
        if (i == 70 || i == 110) {  // young collections at 7.0 s and 11.0 s
            old_gen = (i == 70 ? 20.0 : 27.6) * kMB;
            eden = 0;
            ++young;
        } else if (i == 177) {  // the full collection
            old_gen = 26.6 * kMB;
            eden = eden_kept_mb * kMB;
            ++full;
        } else {
            eden += 0.5 * kMB;
        }
        heap.used.t_s.push_back(t);
        heap.used.value.push_back(old_gen + eden);
        heap.survived.push_back(old_gen);
        heap.collections.push_back(young + full);
        heap.full_collections.push_back(full);
        heap.marking_pauses.push_back(0);
    }
    return heap;
}

TEST(RuntimeHeapSurvived, AFullCollectionThatKeepsLiveObjectsInEdenCountsThem) {
    const auto levels = detail::levels_after_collections(parallel_full_collection(11.0));
    ASSERT_EQ(levels.size(), 3u);
    ASSERT_TRUE(levels[2].full);
    // At 17.8 s (the sample after the pause's): 26.6 MiB old + 11.5 MiB eden, less the 1 MiB the program can
    // have allocated in the 0.2 s since the sample before the collection.
    EXPECT_NEAR(levels[2].used_bytes, (26.6 + 11.5 - 1.0) * kMB, 0.01 * kMB);
    // What is live grew from the young collection's 27.6 MiB (an upper bound then) to at least 37.1 MiB
    // (38.9 MB in the summary's decimal units): a proof, with two levels from it: growing, too few for a pace.
    const auto finding = detail::runtime_heap_leak(parallel_full_collection(11.0), 10.0, {});
    ASSERT_TRUE(finding);
    EXPECT_FALSE(finding->diagnosis.decided);
    EXPECT_NE(finding->diagnosis.summary.find("Its full collection at 17.8 s left 38.9 MB in use"), std::string::npos)
        << finding->diagnosis.summary;
    // A collector that emptied eden: the level is what survived, 26.6 MB, and nothing is proven.
    const auto emptied = detail::levels_after_collections(parallel_full_collection(0));
    ASSERT_EQ(emptied.size(), 3u);
    EXPECT_DOUBLE_EQ(emptied[2].used_bytes, 26.6 * kMB);
    EXPECT_FALSE(detail::runtime_heap_leak(parallel_full_collection(0), 10.0, {}));
}

}  // namespace
}  // namespace leakscope::diagnosis
