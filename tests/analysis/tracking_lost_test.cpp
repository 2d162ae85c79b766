// A tracking stream lost while its process ran on: the heap is unknown from then (never 0), the verdict
// rests on RSS, and the sites are judged up to the loss. A moment of unknown heap between an exec and
// the new program's first report is only left out.
#include <gtest/gtest.h>

#include <optional>

#include "analysis/analysis.hpp"
#include "recording_builders.hpp"

namespace leakscope::analysis {
namespace {

constexpr std::uint64_t kMB = 1000000;

/// 60 s at 2 Hz of a steady leak of 1 MB/s, seen by RSS and (until `heap_until_s`) the tracker.
Recording leaking_run(std::optional<double> heap_until_s, std::optional<std::pair<double, double>> heap_gap = std::nullopt) {
    Recording r = testing::tracked_recording("100:leaky", "full", 0.5);
    for (int i = 0; i < 120; ++i) {
        SamplePoint s;
        s.t_s = 0.5 * i;
        s.processes = 1;
        s.threads = 1;
        s.rss = s.rss_min = s.rss_max = 20 * kMB + static_cast<std::uint64_t>(s.t_s * kMB) + (i % 3) * 20000;
        const bool gap = heap_gap && s.t_s >= heap_gap->first && s.t_s < heap_gap->second;
        if ((!heap_until_s || s.t_s < *heap_until_s) && !gap) {
            s.live_heap = s.live_heap_min = s.live_heap_max = 5 * kMB + static_cast<std::uint64_t>(s.t_s * kMB);
            s.mapped = 0;
        }
        r.samples.push_back(s);
    }
    testing::end_run(r, "duration", 60);
    return r;
}

TEST(TrackingLost, TheVerdictRestsOnRssAndSaysWhy) {
    Recording r = leaking_run(30.0);
    r.tracking_lost.push_back({0, 30.0, "its stream ended while it still ran"});
    const Analysis a = analyze(r);
    ASSERT_TRUE(a.tracking_lost.has_value());
    EXPECT_EQ(a.tracking_lost->t_s, 30.0);
    EXPECT_EQ(a.process.metric, "rss");
    EXPECT_FALSE(a.process.live_heap.has_value());
    EXPECT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_NEAR(a.process.verdict.steady_rate_bytes_per_s, 1.0 * kMB, 0.1 * kMB);
    EXPECT_LE(a.judged_until_s, 30.0);  // sites: up to the loss
}

TEST(TrackingLost, AShortGapBetweenAnExecAndTheNewProgramsReportIsLeftOut) {
    const Analysis a = analyze(leaking_run(std::nullopt, std::pair{20.0, 21.0}));
    EXPECT_FALSE(a.tracking_lost.has_value());
    EXPECT_EQ(a.process.metric, "live_heap");
    ASSERT_TRUE(a.process.live_heap.has_value());
    EXPECT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
}

TEST(TrackingLost, AHeapUnknownForLongWithoutAMarkerIsNotJudgedEither) {
    const Analysis a = analyze(leaking_run(30.0));
    EXPECT_EQ(a.process.metric, "rss");
    EXPECT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
}

}  // namespace
}  // namespace leakscope::analysis
