// The RSS decomposition: every part measured over RSS's steady part the same way, a part's rate only
// where it changed, and no parts for RSS that did not change or that rose and fell in cycles.
#include "diagnosis/diagnosis.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "diagnosis/rss_explanation.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

/// Where in its cycle of `period_s` the time `t` is, from 0 to 1.
double phase(double t, double period_s) { return t / period_s - std::floor(t / period_s); }

TEST(RssDecomposition, ATreeWhoseWorkersAreRecycledRisesAndFallsAndIsNotSplitIntoRates) {
    // A worker pool recycling its workers (multiprocessing's maxtasksperchild): each worker builds a
    // cache, then exits and its replacement starts empty, so the tree's RSS and heap climb and drop every
    // few seconds. A straight line through the teeth read "RSS changed -4.74 GB/h: ... allocator-retained
    // -4.74 GB/h" (session 19's screenshot).
    ProcessSeries series;
    series.rss = make_series(600, 0.1, [](double t) { return 30 * kMB + 60 * kMB * phase(t, 3.1); }, 0.3 * kMB, 51);
    series.live_heap = make_series(600, 0.1, [](double t) { return 9 * kMB + 6 * kMB * phase(t, 3.1); }, 0.05 * kMB, 52);
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_EQ(d.rss.pattern, Pattern::bounded_sawtooth) << "the premise: " << d.rss.summary;
    ASSERT_TRUE(d.decomposition.has_value());
    EXPECT_TRUE(d.decomposition->rss_cycles);
    EXPECT_FALSE(d.decomposition->rss_changed);
}

TEST(RssDecomposition, ARecordedWorkerPoolRecyclingItsWorkersIsNotSplitIntoRates) {
    // The run behind that screenshot: three workers recycled every 20 tasks, the tree's RSS a sawtooth of
    // 68 MB every 2.1 s whose floor's trend (-4.74 GB/h) was not significant, the heap a sawtooth too.
    const ProcessDiagnosis d = diagnose_process(testing::load_process("py_worker_pool_recycled.csv"));
    ASSERT_EQ(d.rss.pattern, Pattern::bounded_sawtooth) << "the premise: " << d.rss.summary;
    ASSERT_TRUE(d.decomposition.has_value());
    EXPECT_TRUE(d.decomposition->rss_cycles);
    EXPECT_FALSE(d.decomposition->rss_changed);
    EXPECT_NEAR(d.decomposition->from_s, d.rss.warmup_end_s, 1e-9);
}

TEST(RssDecomposition, GrowthOutsideTheAllocatorsFiguresIsTheRestsNotAllFlat) {
    // A memfd mapped MAP_SHARED per scrape and never unmapped (c_memfd_scrape_leak): RSS +20 kB/s, the
    // heap and the allocator's free-but-kept bytes flat. With the allocator's figures there was no part
    // for what lies outside them: "RSS changed +72 MB/h: live heap flat, mmap'ed flat, the allocator's
    // free-but-kept memory flat".
    ProcessSeries series;
    series.live_heap = make_series(600, 1.0, [](double) { return 50 * kMB; }, 20e3, 56);
    series.allocator_free = make_series(600, 1.0, [](double) { return 2 * kMB; }, 5e3, 57);
    series.allocator_footprint = make_series(600, 1.0, [](double) { return 54 * kMB; }, 5e3, 58);
    series.rss = make_series(600, 1.0, [](double t) { return 70 * kMB + 20e3 * t; }, 30e3, 59);
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.decomposition.has_value());
    const auto& parts = *d.decomposition;
    ASSERT_TRUE(parts.allocator_measured);
    EXPECT_TRUE(parts.rss_changed);
    EXPECT_FALSE(parts.live_heap.changed) << parts.live_heap.bytes_per_s;
    EXPECT_FALSE(parts.allocator_retained.changed) << parts.allocator_retained.bytes_per_s;
    EXPECT_TRUE(parts.rest.changed);
    EXPECT_NEAR(parts.rest.bytes_per_s, 20e3, 2e3);
}

TEST(RssDecomposition, GrowthThroughMappingsIsCountedOnceAndTheOtherPartsAreFlat) {
    // A leak through mmap: the tracked mappings grow 20 kB/s, the blocks stay at 50 MB, RSS holds both
    // plus 30 MB of the rest. The heap series carries the mappings too; the parts must not count them
    // twice (the heap +72 MB/h, the mappings +72 MB/h and the rest -72 MB/h).
    ProcessSeries series;
    series.mapped = make_series(600, 1.0, [](double t) { return 4 * kMB + 20e3 * t; }, 20e3, 53);
    series.live_heap = make_series(600, 1.0, [](double) { return 50 * kMB; }, 50e3, 54);
    for (std::size_t i = 0; i < series.live_heap->value.size(); ++i) series.live_heap->value[i] += series.mapped->value[i];
    series.rss = make_series(600, 1.0, [](double) { return 30 * kMB; }, 50e3, 55);
    for (std::size_t i = 0; i < series.rss.value.size(); ++i) series.rss.value[i] += series.live_heap->value[i];
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.decomposition.has_value());
    const auto& parts = *d.decomposition;
    EXPECT_TRUE(parts.rss_changed);
    EXPECT_NEAR(parts.rss.bytes_per_s, 20e3, 2e3);
    EXPECT_NEAR(parts.mapped.bytes_per_s, 20e3, 2e3);
    EXPECT_TRUE(parts.mapped.changed);
    EXPECT_FALSE(parts.live_heap.changed) << parts.live_heap.bytes_per_s;
    EXPECT_FALSE(parts.allocator_retained.changed) << parts.allocator_retained.bytes_per_s;
    EXPECT_FALSE(parts.allocator_measured);
}

TEST(RssDecomposition, EveryPartIsMeasuredOverRssSteadyPart) {
    // RSS warms up for 100 s (a JIT's 100 MB) and then grows with the heap, which grows from the start:
    // the heap's own verdict has no warm-up, RSS's starts at 100 s, and the parts are measured from there.
    ProcessSeries series;
    series.live_heap = make_series(600, 1.0, [](double t) { return 40 * kMB + 20e3 * t; }, 30e3, 56);
    series.rss = make_series(600, 1.0, [](double t) { return 60 * kMB + 100 * kMB * std::min(t, 100.0) / 100 + 20e3 * t; }, 30e3, 57);
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.decomposition.has_value());
    const auto& parts = *d.decomposition;
    EXPECT_NEAR(parts.from_s, d.rss.warmup_end_s, 1e-9);
    EXPECT_GT(parts.from_s, 90.0) << d.rss.summary;
    EXPECT_NEAR(parts.to_s, 599.0, 1e-9);
    EXPECT_TRUE(parts.rss_changed);
    EXPECT_NEAR(parts.live_heap.bytes_per_s, 20e3, 1e3);
    // The rest is RSS less the heap at each reading: flat after the warm-up.
    EXPECT_FALSE(parts.allocator_retained.changed) << parts.allocator_retained.bytes_per_s;
}

TEST(RssDecomposition, AHeapGainedInStepsChangedByWhatItGained) {
    // A journal in one vector: capacity doublings put the heap up in three steps (8 -> 64 MiB), RSS climbs
    // as the pages are written. A straight line through the steps reads next to nothing (its pairs mostly
    // lie on one plateau); the verdict says "the live heap holds it: +58.7 MB over the same time, in steps".
    ProcessSeries series;
    series.live_heap = make_series(1000, 1.0, [](double t) { return 8 * kMB * (t < 250 ? 1 : t < 500 ? 2 : t < 750 ? 4 : 8); }, 0, 1);
    series.rss = make_series(1000, 1.0, [](double t) { return 20 * kMB + 64e3 * t; }, 50e3, 2);
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.decomposition.has_value());
    const auto& parts = *d.decomposition;
    EXPECT_TRUE(parts.rss_changed);
    EXPECT_TRUE(parts.live_heap.changed);
    // The levels at both ends of the window are taken that far in from them.
    const double between_ends_s = (1 - 2 * detail::kGainEndHalfWidth) * (parts.to_s - parts.from_s);
    EXPECT_NEAR(parts.live_heap.bytes_per_s * between_ends_s, 56 * kMB, 1 * kMB) << parts.from_s << " to " << parts.to_s;
}

TEST(RssDecomposition, RssThatDoesNotChangeIsNotSplit) {
    ProcessSeries series;
    series.rss = make_series(300, 1.0, [](double) { return 80 * kMB; }, 40e3, 58);
    series.live_heap = make_series(300, 1.0, [](double) { return 50 * kMB; }, 20e3, 59);
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.decomposition.has_value());
    EXPECT_FALSE(d.decomposition->rss_cycles);
    EXPECT_FALSE(d.decomposition->rss_changed);
    EXPECT_FALSE(d.decomposition->rss.changed);
}

}  // namespace
}  // namespace leakscope::diagnosis
