#include "diagnosis/diagnosis.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

TEST(DiagnoseProcess, RssGrowingOverAFlatHeapIsFragmentation) {
    ProcessSeries series;
    series.live_heap = make_series(1000, 1.0, [](double) { return 300 * kMB; }, 50e3, 1);
    series.rss = make_series(1000, 1.0, [](double t) { return 340 * kMB + 20e3 * t; }, 50e3, 2);
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_EQ(d.verdict.pattern, Pattern::fragmentation);
    EXPECT_FALSE(d.verdict.leak);
    EXPECT_EQ(d.metric, "rss");
    ASSERT_TRUE(d.decomposition.has_value());
    EXPECT_NEAR(d.decomposition->rss_rate, 20e3, 1e3);
    EXPECT_NEAR(d.decomposition->allocator_retained_rate, 20e3, 1.5e3);
    EXPECT_NE(d.verdict.summary.find("Fragmentation"), std::string::npos);
    ASSERT_TRUE(d.live_heap.has_value());
    EXPECT_FALSE(d.live_heap->leak);
}

TEST(DiagnoseProcess, GrowingHeapIsTheLeakAndProjectionComesFromRss) {
    ProcessSeries series;
    series.live_heap = make_series(1000, 1.0, [](double t) { return 300 * kMB + 20e3 * t; }, 50e3, 3);
    series.rss = make_series(1000, 1.0, [](double t) { return 350 * kMB + 20e3 * t; }, 50e3, 4);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 1024 * kMB});
    EXPECT_EQ(d.metric, "live_heap");
    EXPECT_EQ(d.verdict.pattern, Pattern::linear_growth);
    EXPECT_TRUE(d.verdict.leak);
    ASSERT_TRUE(d.verdict.time_to_limit_s.has_value());
    EXPECT_EQ(d.verdict.time_to_limit_s, d.rss.time_to_limit_s);
    EXPECT_NEAR(d.decomposition->allocator_retained_rate, 0, 2e3);
}

TEST(DiagnoseProcess, RssOnlyRestsOnRss) {
    ProcessSeries series;
    series.rss = make_series(300, 1.0, [](double) { return 50 * kMB; }, 1e4);
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_EQ(d.metric, "rss");
    EXPECT_FALSE(d.live_heap.has_value());
    EXPECT_FALSE(d.decomposition.has_value());
}

TEST(DiagnoseProcess, HeapOnAnotherGridIsRejected) {
    ProcessSeries series;
    series.rss = make_series(300, 1.0, [](double) { return 50 * kMB; }, 1e4);
    series.live_heap = make_series(200, 1.0, [](double) { return 40 * kMB; }, 1e4);
    EXPECT_THROW(diagnose_process(series), std::invalid_argument);
}

}  // namespace
}  // namespace leakscope::diagnosis
