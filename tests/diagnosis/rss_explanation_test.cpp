// Where RSS growth goes (detail::explain_rss_growth): the allocator's figures may call it
// fragmentation only when the live heap did not take the growth, so the tracker's evidence adds to
// what RSS shows and never turns a leak into "not a leak in the program".
#include "diagnosis/rss_explanation.hpp"

#include <gtest/gtest.h>

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
    const detail::RssExplanation why = detail::explain_rss_growth(late_growth_with_allocator_keeping_pages(108e3), 7.0, 17.9);
    EXPECT_GT(why.allocator_free_gain, 0.5 * why.rss_gain);
    EXPECT_GT(why.heap_gain, 0.5 * why.rss_gain);
    EXPECT_EQ(why.growth, RssGrowth::heap_in_steps);
}

TEST(ExplainRssGrowth, AFlatHeapBesideAGrowingAllocatorIsFragmentation) {
    const detail::RssExplanation why = detail::explain_rss_growth(late_growth_with_allocator_keeping_pages(0), 7.0, 17.9);
    EXPECT_LT(why.heap_gain, 0.1 * why.rss_gain);
    EXPECT_EQ(why.growth, RssGrowth::allocator_retains);
}

TEST(ExplainRssGrowth, AHeapGainingLessThanHalfLeavesItToTheAllocator) {
    // 30 kB/s of the 160 (under a fifth): the allocator's pages are most of it.
    const detail::RssExplanation why = detail::explain_rss_growth(late_growth_with_allocator_keeping_pages(30e3), 7.0, 17.9);
    EXPECT_EQ(why.growth, RssGrowth::allocator_retains);
}

}  // namespace
}  // namespace leakscope::diagnosis
