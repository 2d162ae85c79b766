// One story per report, for "when will it hurt": a verdict of no growth has no time to the limit and no
// restart interval, unless it levels off above the limit, when it says so; a warm-up still settling is
// told by its fitted curve (how far it got, its pace at the end), not by the last third's average.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>

#include "diagnosis/diagnosis.hpp"
#include "diagnosis/units.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

// RSS grows 20 kB/s (340 -> 360 MB) over a flat 300 MB heap, into 60 MB the allocator holds free with
// its footprint flat: bounded at about 400 MB.
ProcessSeries rss_filling_the_allocators_free_memory() {
    ProcessSeries series = testing::rss_growing_over_flat_heap();
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

TEST(ProjectionStory, AHeapLeakIsGradedAgainstTheProcessNotTheHeapAlone) {
    // A JVM's own malloc heap (~1 MB) growing 2.39 kB/s inside 150 MB of RSS, 2 min at 10 Hz (s17 real
    // programs, java_capped_chm_fixed_flat tracked 120 s): graded against the heap it read 8.6 MB/h on 1 MB,
    // "critical", beside 121.8 days to the limit. Against the process: 5.7% of it an hour, high.
    ProcessSeries series;
    series.live_heap = make_series(1200, 0.1, [](double t) { return 1.0 * kMB + 2390 * t; }, 2e3, 1);
    series.rss = make_series(1200, 0.1, [](double) { return 150 * kMB; }, 20e3, 2);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 25e9});
    ASSERT_TRUE(d.verdict.leak) << d.verdict.summary;
    ASSERT_EQ(d.metric, "live_heap");
    EXPECT_EQ(d.verdict.severity, Severity::high) << d.verdict.summary;
}

// A cache filling ever more slowly, 60 MB * (1 - exp(-t / 10 s)) over 20 s at 10 Hz, on 10 MB: 61.9 MB at
// the end, heading for 70 MB.
Series settling_cache() {
    return make_series(200, 0.1, [](double t) { return 10 * kMB + 60 * kMB * (1 - std::exp(-t / 10.0)); }, 0.05 * kMB, 3);
}

TEST(ProjectionStory, SettlingUnderTheLimitIsNotProjected) {
    const Diagnosis d = diagnose(settling_cache(), {.limit_bytes = 1024 * kMB});
    ASSERT_TRUE(d.settling_toward_bytes) << "the premise: " << d.summary;
    EXPECT_FALSE(d.leak);
    EXPECT_FALSE(d.time_to_limit_s) << d.summary;
    EXPECT_FALSE(d.restart_interval_s);
}

TEST(ProjectionStory, SettlingAboveTheLimitSaysWhenItGetsThere) {
    // Under a 66 MB limit the curve crosses it at t = 10 s * ln(60 / 4) = 27.1 s, 7.2 s after the last
    // sample; a straight line at the last third's pace (~1.1 MB/s) would say under 4 s, and "no leak"
    // alone would say nothing.
    const Diagnosis d = diagnose(settling_cache(), {.limit_bytes = 66 * kMB});
    ASSERT_TRUE(d.settling_toward_bytes) << "the premise: " << d.summary;
    EXPECT_FALSE(d.leak);
    ASSERT_TRUE(d.time_to_limit_s) << d.summary;
    EXPECT_NEAR(*d.time_to_limit_s, 10.0 * std::log(60.0 / 4.0) - 19.9, 2.5) << d.summary;
    EXPECT_FALSE(d.restart_interval_s);
    EXPECT_NE(d.summary.find("levels off above the"), std::string::npos) << d.summary;
    EXPECT_EQ(d.severity, Severity::critical) << d.summary;
}

TEST(ProjectionStory, SettlingSaysHowFarItGotAndItsPaceAtTheEnd) {
    // py_dns_cache_settling under --no-track (s17 real programs): "45.2 MB so far, slowing down toward about
    // 45.2 MB (now +2.44 GB/h)": the warm-up's expected size put as "so far", and the last third's average
    // pace as today's.
    const Diagnosis d = diagnose(testing::load_live_heap("dns_cache_settling_rss.csv"));
    ASSERT_TRUE(d.settling_toward_bytes) << "the premise: " << d.summary;
    const std::regex told(R"(\+(\S+ \S+) so far, slowing down toward about (\S+ \S+) \(now \+(\S+ \S+)\))");
    std::smatch said;
    ASSERT_TRUE(std::regex_search(d.summary, said, told)) << d.summary;
    EXPECT_NE(said[1].str(), said[2].str()) << d.summary;
    EXPECT_NE(said[1].str(), format_bytes(d.warmup_bytes)) << d.summary;
    // RSS ended at 40.6 MB of the ~45 MB it heads for: so far is below it, and under the level it heads for.
    const double so_far_end = d.final_bytes;
    EXPECT_LT(so_far_end, *d.settling_toward_bytes);
    // The pace at the end is below the last third's average (the steady rate) on a curve slowing down.
    // (Built up with +=: GCC 12 warns falsely about `"+" + std::string` here, -Wstringop-overflow.)
    std::string pace_at_end = "+";
    pace_at_end += said[3].str();
    EXPECT_NE(pace_at_end, format_rate(d.steady_rate_bytes_per_s, true)) << d.summary;
}

}  // namespace
}  // namespace leakscope::diagnosis
