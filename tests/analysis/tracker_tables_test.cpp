// The tracker's tables live in the target, so its RSS counts them, and they grow with every block the
// program keeps: a leak of many small blocks grows them faster than the leaked bytes themselves. Left
// in, that growth reads as RSS outgrowing the heap ("outside the malloc heap", a wrong rate). The
// analysis takes them out of RSS and anonymous memory before judging.
#include <gtest/gtest.h>

#include "analysis/analysis.hpp"
#include "recording_builders.hpp"

namespace leakscope::analysis {
namespace {

// A config reloader leaking 64 kB/s in 16-byte strings on a 40 MB heap, 4,000 a second: the tracker's
// tables grow 72 bytes for each, 288 kB/s, on top.
Recording small_block_leak(bool tables_recorded) {
    Recording r = testing::tracked_recording("100:reloader");
    for (int i = 0; i < 140; ++i) {
        const double t_s = 0.1 * i + 0.1;
        const double heap = 40'000'000 + 64'000 * t_s;
        const double tables = 1'000'000 + 288'000 * t_s;
        SamplePoint s = testing::heap_sample(i, heap);
        s.allocator_footprint = static_cast<std::uint64_t>(heap + 300'000);
        s.allocator_free = 300'000;
        s.anon = static_cast<std::uint64_t>(heap + 400'000 + tables);
        s.file = 3'000'000;
        s.rss = s.rss_min = s.rss_max = s.anon + s.file;
        if (tables_recorded) s.tracker_bytes = static_cast<std::uint64_t>(tables);
        r.samples.push_back(s);
    }
    testing::end_run(r, "exited", 14.0);
    return r;
}

TEST(TrackerTables, AreLeftOutOfRssSoTheHeapExplainsTheGrowth) {
    const Analysis a = analyze(small_block_leak(true));
    EXPECT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_EQ(a.process.metric, "live_heap") << a.process.verdict.summary;
    EXPECT_NEAR(a.process.verdict.steady_rate_bytes_per_s, 64'000, 6'400) << a.process.verdict.summary;
    EXPECT_NEAR(a.process.rss.steady_rate_bytes_per_s, 64'000, 6'400);
}

TEST(TrackerTables, UnrecordedTheyWouldReadAsGrowthOutsideTheHeap) {
    // The recording of an older tracker: the same run reads as RSS growing five times the heap's pace.
    const Analysis a = analyze(small_block_leak(false));
    EXPECT_EQ(a.process.metric, "rss") << a.process.verdict.summary;
    EXPECT_EQ(a.process.rss_growth, diagnosis::RssGrowth::outside_heap) << a.process.verdict.summary;
}

}  // namespace
}  // namespace leakscope::analysis
