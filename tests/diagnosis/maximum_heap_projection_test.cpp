// A leak judged from RSS in a JVM whose maximum heap is known is projected to that heap too, at the pace
// what survives its collections climbs, and the nearer limit is the verdict's (maximum_heap_projection.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "diagnosis/diagnosis.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

// 100 s at 10 Hz of a JVM: RSS climbing 400 MB/h from 60 MB; a young collection every 2 s leaves
// `survived_per_s` more behind it (from 5 MB), eden refilling 2 MB between them. Maximum heap 256 MB.
ProcessSeries jvm_rss_leak(double survived_per_s) {
    ProcessSeries series;
    series.rss = make_series(1000, 0.1, [](double t) { return 60 * kMB + 400e6 / 3600 * t; }, 0.05 * kMB, 7);
    ProcessSeries::RuntimeHeap heap;
    for (std::size_t i = 0; i < 1000; ++i) {
        const double t = 0.1 * static_cast<double>(i);
        const double collections = std::floor(t / 2);
        const double survived = 5 * kMB + survived_per_s * 2 * collections;
        heap.used.t_s.push_back(t);
        heap.used.value.push_back(survived + 1 * kMB * (t - 2 * collections));
        heap.survived.push_back(survived);
        heap.collections.push_back(collections);
        heap.full_collections.push_back(0);
    }
    heap.max_bytes = 256 * kMB;
    series.runtime_heap = heap;
    return series;
}

TEST(MaximumHeapProjection, ARssLeakInAJvmRunsOutOfItsHeapFirst) {
    // java_cancelled_timeouts (s17 real programs, RSS only, 90 s): "the 25.3 GB limit is reached in 2.5
    // days" under -Xmx of 268 MB, which the report printed beside it; what survived climbed 321 MB/h.
    const ProcessDiagnosis d = diagnose_process(jvm_rss_leak(100e3), {.limit_bytes = 25e9});
    ASSERT_TRUE(d.verdict.leak) << d.verdict.summary;
    ASSERT_EQ(d.metric, "rss");
    EXPECT_EQ(d.limit_source, "JVM maximum heap");
    ASSERT_TRUE(d.verdict.limit_bytes);
    EXPECT_EQ(*d.verdict.limit_bytes, 256 * kMB);
    ASSERT_TRUE(d.verdict.time_to_limit_s) << d.verdict.summary;
    // From ~15 MB surviving at 100 s to 256 MB at ~100 kB/s: ~42 min (at RSS's 400 MB/h it would be 38 min,
    // to 25 GB 2.6 days).
    EXPECT_NEAR(*d.verdict.time_to_limit_s, (256 * kMB - 15 * kMB) / 100e3, 300) << d.verdict.summary;
    ASSERT_TRUE(d.verdict.restart_interval_s);
    EXPECT_NE(d.verdict.summary.find("OutOfMemoryError"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("RSS itself reaches its 25.0 GB limit in"), std::string::npos) << d.verdict.summary;
    EXPECT_EQ(d.verdict.summary.find("At this rate the 25.0 GB limit"), std::string::npos) << d.verdict.summary;
    EXPECT_EQ(d.verdict.severity, Severity::critical);
}

TEST(MaximumHeapProjection, NothingSurvivingMoreKeepsRssLimit) {
    // The same RSS with what survives flat and no collection proving it: the growth is not seen in the
    // heap, so RSS's own limit stands.
    ProcessSeries series = jvm_rss_leak(0);
    series.runtime_heap->collections.assign(1000, 0);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 25e9});
    ASSERT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_EQ(d.limit_source, "");
    ASSERT_TRUE(d.verdict.limit_bytes);
    EXPECT_EQ(*d.verdict.limit_bytes, 25e9);
    EXPECT_EQ(d.verdict.summary.find("OutOfMemoryError"), std::string::npos) << d.verdict.summary;
}

TEST(MaximumHeapProjection, AHeapTooLargeToFillFirstKeepsRssLimit) {
    // A 1 GB container with a 64 GB maximum heap: RSS reaches the container's limit first.
    ProcessSeries series = jvm_rss_leak(100e3);
    series.runtime_heap->max_bytes = 64e9;
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 1e9});
    ASSERT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_EQ(d.limit_source, "");
    EXPECT_EQ(*d.verdict.limit_bytes, 1e9);
}

}  // namespace
}  // namespace leakscope::diagnosis
