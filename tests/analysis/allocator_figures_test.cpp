// The allocator's figures are read about once a second, so the tracker's first heap report usually
// comes before the first reading. Those first samples must not cost the whole run its allocator
// evidence: here a ring calloc'ed at start is written for the first time as the run goes, so RSS climbs
// over a flat heap, and only the allocator's footprint (flat, holding the ring) shows that the growth
// is memory already allocated being filled, not a leak outside the heap.
#include <gtest/gtest.h>

#include "analysis/analysis.hpp"
#include "recording_builders.hpp"

namespace leakscope::analysis {
namespace {

Recording ring_written_after_start(std::size_t samples_before_first_reading) {
    Recording r = testing::tracked_recording("100:agent");
    for (int i = 0; i < 140; ++i) {
        SamplePoint s;
        s.t_s = 0.1 * i + 0.1;
        s.processes = 1;
        s.threads = 1;
        s.anon = static_cast<std::uint64_t>(1'000'000 + 128'000 * s.t_s);
        s.rss = s.rss_min = s.rss_max = s.anon + 3'900'000;
        s.live_heap = s.live_heap_min = s.live_heap_max = 4'300'000 + (i % 2) * 1'000;
        s.mapped = 0;
        if (static_cast<std::size_t>(i) >= samples_before_first_reading) {
            s.allocator_footprint = 4'500'000;
            s.allocator_free = 200'000;
        }
        r.samples.push_back(s);
    }
    testing::end_run(r, "exited", 14.0);
    return r;
}

TEST(AllocatorFigures, ABlockWrittenOnlyNowIsMemoryAlreadyHeld) {
    const Analysis a = analyze(ring_written_after_start(0));
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_EQ(a.process.rss_growth, diagnosis::RssGrowth::within_allocator) << a.process.verdict.summary;
}

TEST(AllocatorFigures, SamplesBeforeTheFirstReadingKeepTheEvidence) {
    const Analysis a = analyze(ring_written_after_start(2));
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_EQ(a.process.rss_growth, diagnosis::RssGrowth::within_allocator) << a.process.verdict.summary;
}

}  // namespace
}  // namespace leakscope::analysis
