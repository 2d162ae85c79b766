// One story per report, for "when will it hurt": a verdict of no growth has no time to the limit and no
// restart interval, unless it levels off above the limit, when it says so.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "diagnosis/diagnosis.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

// RSS grows 20 kB/s (340 -> 360 MB) over a flat 300 MB heap, into 60 MB the allocator holds free with
// its footprint flat: bounded at about 400 MB.
ProcessSeries rss_filling_the_allocators_free_memory() {
    ProcessSeries series;
    series.live_heap = make_series(1000, 1.0, [](double) { return 300 * kMB; }, 50e3, 1);
    series.rss = make_series(1000, 1.0, [](double t) { return 340 * kMB + 20e3 * t; }, 50e3, 2);
    series.allocator_free = make_series(1000, 1.0, [](double) { return 60 * kMB; }, 10e3, 5);
    series.allocator_footprint = make_series(1000, 1.0, [](double) { return 360 * kMB; }, 10e3, 6);
    return series;
}

TEST(ProjectionStory, BoundedRssUnderTheLimitHasNoTimeToItNorRestart) {
    // zstd filling its window (s17 real programs): "No leak" beside "limit reached in 3 h 19 min;
    // restart every 2 h 59 min", RSS's straight line taken for the verdict's.
    const ProcessDiagnosis d = diagnose_process(rss_filling_the_allocators_free_memory(), {.limit_bytes = 2048 * kMB});
    ASSERT_EQ(d.rss_growth, RssGrowth::within_allocator) << d.verdict.summary;
    ASSERT_TRUE(d.rss.leak) << "the premise: RSS alone reads a leak and projects it: " << d.rss.summary;
    EXPECT_FALSE(d.verdict.leak);
    EXPECT_FALSE(d.verdict.time_to_limit_s) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.restart_interval_s) << d.verdict.summary;
    EXPECT_EQ(d.verdict.severity, Severity::none);
    EXPECT_NE(d.verdict.summary.find("bounded by it, at about 4"), std::string::npos) << d.verdict.summary;
}

TEST(ProjectionStory, BoundedRssAboveTheLimitReachesItOnTheWay) {
    // The same process under a 380 MB limit: its bound (~400 MB) is above it, and RSS reaches the limit
    // at its pace (~20 MB left at 20 kB/s: ~1000 s); no restart interval, as a restart refills the same way.
    const ProcessDiagnosis d = diagnose_process(rss_filling_the_allocators_free_memory(), {.limit_bytes = 380 * kMB});
    ASSERT_EQ(d.rss_growth, RssGrowth::within_allocator) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.leak);
    ASSERT_TRUE(d.verdict.time_to_limit_s) << d.verdict.summary;
    EXPECT_NEAR(*d.verdict.time_to_limit_s, 20 * kMB / 20e3, 250) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.restart_interval_s);
    EXPECT_NE(d.verdict.summary.find("above the"), std::string::npos) << d.verdict.summary;
    EXPECT_GE(static_cast<int>(d.verdict.severity), static_cast<int>(Severity::medium));
}

}  // namespace
}  // namespace leakscope::diagnosis
