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


// arena_pipeline_flat under full tracking: four producers and a consumer on a 100 kB heap. The first
// sample was taken as the tracker set up: its tables (1.86 MB, five threads' slots) already in RSS, their
// size not reported yet. From the first report on, RSS less the tables is 3.32 MB, creeping 29 kB over
// the run as the arenas touch pages the allocator already held; smaps saw the threads' stacks grow
// while they started.
Recording first_sample_before_the_trackers_first_report() {
    Recording r = testing::tracked_recording("100:pipeline");
    for (int i = 0; i < 140; ++i) {
        const double t_s = 0.1 * i + 0.1;
        SamplePoint s = testing::heap_sample(i, 100'000, 5);
        const double program = 3'320'000 + (t_s >= 5 ? 12'000 : 0) + (t_s >= 8 ? 17'000 : 0);
        s.rss = s.rss_min = s.rss_max = static_cast<std::uint64_t>(program + 1'860'000);
        s.anon = s.rss - 3'000'000;
        s.file = 3'000'000;
        s.allocator_footprint = 946'000;
        s.allocator_free = 600'000;
        if (i == 0) {
            s.rss = s.rss_min = s.rss_max = 4'430'000;  // 1.11 MB above the program's 3.32: part of the tables already in
            s.live_heap = s.live_heap_min = s.live_heap_max = kUnknownBytes;
            s.mapped = kUnknownBytes;
        } else {
            s.tracker_bytes = 1'860'000;
        }
        if (i == 0 || i == 50 || i == 100) s.smaps_stacks = i == 0 ? 65'536 : 77'824;
        r.samples.push_back(s);
    }
    testing::end_run(r, "exited", 14.0);
    return r;
}

TEST(TrackerTables, TheFirstSamplesBeforeTheTrackersFirstReportDoNotCountItsTablesAsTheProgram) {
    const Analysis a = analyze(first_sample_before_the_trackers_first_report());
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_TRUE(a.process.verdict.decided) << a.process.verdict.summary;
    EXPECT_FALSE(a.process.rss.leak) << a.process.rss.summary;
}

}  // namespace
}  // namespace leakscope::analysis
