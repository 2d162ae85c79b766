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

}  // namespace
}  // namespace leakscope::diagnosis
