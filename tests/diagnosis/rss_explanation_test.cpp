// Where RSS growth goes (detail::explain_rss_growth): the allocator's figures may call it
// fragmentation only when the live heap did not take the growth, so the tracker's evidence adds to
// what RSS shows and never turns a leak into "not a leak in the program".
#include "diagnosis/rss_explanation.hpp"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <vector>

#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

// 18 s at 10 samples a second: RSS rises 160 kB/s from 7 s, the allocator's footprint 200 kB/s and its
// free-but-kept bytes 90 kB/s (freed pages kept dirty until they decay); the heap gains `heap_rate`.
ProcessSeries late_growth_with_allocator_keeping_pages(double heap_rate) {
    const auto from_7s = [](double base, double rate) {
        return [base, rate](double t) { return base + (t < 7 ? 0 : rate * (t - 7)); };
    };
    ProcessSeries series;
    series.rss = make_series(180, 0.1, from_7s(26 * kMB, 160e3), 0.02 * kMB, 1);
    series.live_heap = make_series(180, 0.1, from_7s(20 * kMB, heap_rate), 0.03 * kMB, 2);
    series.allocator_free = make_series(180, 0.1, from_7s(3 * kMB, 90e3), 0.02 * kMB, 3);
    series.allocator_footprint = make_series(180, 0.1, from_7s(24 * kMB, 200e3), 0.02 * kMB, 4);
    return series;
}

TEST(ExplainRssGrowth, AHeapThatHoldsTheGrowthIsNotOutweighedByWhatTheAllocatorKeeps) {
    // The heap gains 108 kB/s of the 160: a leak, although the allocator's free-but-kept bytes grew by
    // more than half of RSS's gain as well.
    const detail::RssExplanation why = detail::explain_rss_growth(late_growth_with_allocator_keeping_pages(108e3), 7.0, 17.9, 7.0);
    EXPECT_GT(why.allocator_free_gain, 0.5 * why.rss_gain);
    EXPECT_GT(why.heap_gain, 0.5 * why.rss_gain);
    EXPECT_EQ(why.growth, RssGrowth::heap_in_steps);
}

TEST(ExplainRssGrowth, AFlatHeapBesideAGrowingAllocatorIsFragmentation) {
    const detail::RssExplanation why = detail::explain_rss_growth(late_growth_with_allocator_keeping_pages(0), 7.0, 17.9, 7.0);
    EXPECT_LT(why.heap_gain, 0.1 * why.rss_gain);
    EXPECT_EQ(why.growth, RssGrowth::allocator_retains);
}

TEST(ExplainRssGrowth, AHeapGainingLessThanHalfLeavesItToTheAllocator) {
    // 30 kB/s of the 160 (under a fifth): the allocator's pages are most of it.
    const detail::RssExplanation why = detail::explain_rss_growth(late_growth_with_allocator_keeping_pages(30e3), 7.0, 17.9, 7.0);
    EXPECT_EQ(why.growth, RssGrowth::allocator_retains);
}


// order_book_churn_flat under --sample-bytes (the heap is the allocator's in-use figure, which counts
// what its per-thread caches hold): RSS creeps 6 kB/s into memory the allocator already held (its
// footprint flat, 330 kB free), while the heap wanders +-65 kB around 5.68 MB and happens to end 40 kB
// above where the window began.
ProcessSeries rss_creep_beside_a_wandering_heap() {
    ProcessSeries series;
    series.rss = make_series(130, 0.1, [](double t) { return 10.40 * kMB + 6e3 * t; }, 0.5e3, 21);
    series.live_heap = make_series(130, 0.1, [](double t) { return 5.68 * kMB + 65e3 * std::sin(6.283185307179586 * (t - 1.5) / 3.1); }, 5e3, 22);
    series.allocator_footprint = make_series(130, 0.1, [](double) { return 6.01 * kMB; }, 0, 23);
    series.allocator_free = make_series(130, 0.1, [](double) { return 0.33 * kMB; }, 20e3, 24);
    return series;
}

TEST(ExplainRssGrowth, AHeapWanderingAroundOneLevelHoldsNothing) {
    const detail::RssExplanation why = detail::explain_rss_growth(rss_creep_beside_a_wandering_heap(), 0.0, 12.9, 0.0);
    ASSERT_GT(why.heap_gain, 0.5 * why.rss_gain) << "the wander must end high for the test to mean anything";
    EXPECT_EQ(why.growth, RssGrowth::within_allocator);
}

TEST(ExplainRssGrowth, AHeapThatStepsUpAndStaysHoldsTheGrowth) {
    // The same RSS creep with the heap rising 40 kB in two steps it keeps (a container doubling).
    ProcessSeries series = rss_creep_beside_a_wandering_heap();
    series.live_heap = make_series(130, 0.1, [](double t) { return 5.68 * kMB + (t > 4 ? 25e3 : 0) + (t > 8 ? 30e3 : 0); }, 2e3, 25);
    const detail::RssExplanation why = detail::explain_rss_growth(series, 0.0, 12.9, 0.0);
    EXPECT_EQ(why.growth, RssGrowth::heap_in_steps);
}


TEST(ExplainRssGrowth, ThreadStacksReadBeforeTheThreadsStartedAreNoGrowth) {
    // arena_pipeline_flat, tracked: four producers and a consumer on a 75 kB heap; RSS creeps 8 kB/s
    // from 1 s as the threads' arenas touch pages the allocator already held (its footprint flat, 608 kB
    // of it free). smaps, read every 5 s, saw the thread stacks at 16 kB at 0 s, before the threads
    // began, and at 82 kB from then on.
    ProcessSeries series;
    series.rss = make_series(140, 0.1, [](double t) { return 5.12 * kMB + 8e3 * std::max(0.0, t - 1); }, 1e3, 41);
    series.anon_rss = make_series(140, 0.1, [](double t) { return 1.86 * kMB + 8e3 * std::max(0.0, t - 1); }, 1e3, 42);
    series.live_heap = make_series(140, 0.1, [](double) { return 75e3; }, 0, 43);
    series.allocator_footprint = make_series(140, 0.1, [](double) { return 0.946 * kMB; }, 0, 44);
    series.allocator_free = make_series(140, 0.1, [](double) { return 0.608 * kMB; }, 0, 45);
    Series stacks;
    stacks.t_s = {0.0, 5.0, 10.0};
    stacks.value = {16e3, 82e3, 82e3};
    series.rss_by_mapping.push_back({std::string(ProcessSeries::kThreadStacks), stacks});
    const detail::RssExplanation why = detail::explain_rss_growth(series, 1.0, 13.9, 1.0);
    EXPECT_EQ(why.growth, RssGrowth::within_allocator);

    // Stacks that grow between readings inside the window are growth outside the heap all the same.
    series.rss_by_mapping.front().series.value = {16e3, 82e3, 182e3};
    EXPECT_EQ(detail::explain_rss_growth(series, 1.0, 13.9, 1.0).growth, RssGrowth::outside_heap);
}

// The allocator's readings, about one a second, held in the samples (every 0.1 s) between them.
Series held_readings(const std::vector<double>& readings, double first_s, double every_s, double end_s) {
    Series held;
    for (double t = first_s; t <= end_s + 1e-9; t += 0.1) {
        const auto i = std::min(readings.size() - 1, static_cast<std::size_t>((t - first_s) / every_s));
        held.t_s.push_back(t);
        held.value.push_back(readings[i] * kMB);
    }
    return held;
}

TEST(ExplainRssGrowth, OneLowReadingOfTheAllocatorAtTheEndDoesNotUndoItsTrend) {
    // quote_fanout_arenas_flat, tracked (six threads, six glibc arenas churning 32 B - 32 KiB messages):
    // from 6 s RSS creeps 0.75 MB while the heap wobbles around 23 MB; the allocator's free-but-kept
    // bytes rise over eight readings, the last one low. Read from that one reading at the end, the free
    // figure "lost" 394 kB: the creep was growth outside the heap, a leak of 347 MB/h.
    ProcessSeries series;
    series.rss = make_series(81, 0.1, [](double t) { return 36.39 * kMB + 0.09 * kMB * t; }, 0.01 * kMB, 51);
    series.anon_rss = make_series(81, 0.1, [](double t) { return 32.85 * kMB + 0.09 * kMB * t; }, 0.01 * kMB, 52);
    series.live_heap = make_series(81, 0.1, [](double t) { return 23.1 * kMB + 0.4 * kMB * std::sin(2.1 * t); }, 0.05 * kMB, 53);
    const auto shifted = [](Series s, double by) {
        for (double& t : s.t_s) t += by;
        return s;
    };
    series.rss = shifted(series.rss, 6.0), series.anon_rss = shifted(*series.anon_rss, 6.0), series.live_heap = shifted(*series.live_heap, 6.0);
    series.allocator_free = held_readings({6.17, 7.45, 7.36, 7.50, 8.30, 8.05, 8.65, 7.06}, 6.0, 1.0, 14.0);
    series.allocator_footprint = held_readings({31.08, 31.43, 31.45, 31.63, 31.66, 31.89, 31.89, 32.02}, 6.0, 1.0, 14.0);
    const detail::RssExplanation why = detail::explain_rss_growth(series, 6.0, 14.0, 6.0);
    EXPECT_EQ(why.growth, RssGrowth::allocator_retains) << why.allocator_free_gain;
    EXPECT_GT(why.allocator_free_gain, 1.0 * kMB);

    // Readings that only swing around one level are no trend: the creep is not the allocator's then.
    series.allocator_free = held_readings({7.45, 6.17, 7.50, 7.36, 7.06, 7.45, 6.17, 7.36}, 6.0, 1.0, 14.0);
    series.allocator_footprint = held_readings({31.45, 31.43, 31.45, 31.43, 31.45, 31.43, 31.45, 31.43}, 6.0, 1.0, 14.0);
    EXPECT_NE(detail::explain_rss_growth(series, 6.0, 14.0, 6.0).growth, RssGrowth::allocator_retains);
}

TEST(ExplainRssGrowth, MappingsMadeWhileRssClimbedAreWhereItWentWhateverTheAllocatorHadFree) {
    // A Python leak under sampled tracking: RSS climbs 110 kB/s from 7 s into pymalloc's arenas, which
    // Python maps itself (1 MiB at 8.5 s, filled page by page); glibc's footprint is flat with 2.4 MB free,
    // its in-use figure flat too.
    ProcessSeries series;
    series.rss = make_series(180, 0.1, [](double t) { return 34.4 * kMB + (t < 7 ? 0 : 110e3 * (t - 7)); }, 0.005 * kMB, 61);
    series.anon_rss = make_series(180, 0.1, [](double t) { return 27.6 * kMB + (t < 7 ? 0 : 110e3 * (t - 7)); }, 0.005 * kMB, 62);
    series.live_heap = make_series(180, 0.1, [](double) { return 5.2 * kMB; }, 0.002 * kMB, 63);
    series.allocator_free = make_series(180, 0.1, [](double) { return 2.4 * kMB; }, 0.0, 64);
    series.allocator_footprint = make_series(180, 0.1, [](double) { return 7.5 * kMB; }, 0.0, 65);
    series.mapped = make_series(180, 0.1, [](double t) { return 17.8 * kMB + (t < 8.5 ? 0 : 1.0 * kMB); }, 0.0, 66);
    // Judged from the climb's start, the arena mapped during it is where RSS went: no bound.
    const detail::RssExplanation why = detail::explain_rss_growth(series, 8.5, 17.9, 7.0);
    EXPECT_EQ(why.growth, RssGrowth::outside_heap);
    // Judged from 8.5 s alone (the mapping before the window), the gain fits in glibc's free space.
    EXPECT_EQ(detail::explain_rss_growth(series, 8.5, 17.9, 8.5).growth, RssGrowth::within_allocator);
}

}  // namespace
}  // namespace leakscope::diagnosis
