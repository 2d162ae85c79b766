// A container doubling its capacity: RSS climbs page by page while the heap, and the one site holding
// the buffer, rise in steps too few for their own trend. The process verdict names that site. The
// sites' last snapshot is the exit flush, taken after the program's destructors freed the buffer: the
// rise is measured up to the end of the process's samples, not to that snapshot.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/analysis.hpp"

namespace leakscope::analysis {
namespace {

constexpr double kRate = 512000;  // bytes/s of records appended

/// The vector's capacity at time t: 64 KiB doubled whenever the records outgrow it.
std::int64_t capacity_at(double t_s) {
    double capacity = 65536;
    while (capacity < kRate * t_s) capacity *= 2;
    return static_cast<std::int64_t>(capacity);
}

Recording journal_run() {
    Recording r;
    r.info.tracker_mode = "full";
    r.info.interval_s = 0.1;
    r.processes = {"100:journal"};
    Stack stack;
    stack.id = StackId{1};
    stack.frames = {0x401000};
    r.stacks.emplace(StackId{1}, stack);
    SiteSeries::Site site;
    site.stack = StackId{1};
    for (int i = 0; i < 160; ++i) {
        SamplePoint s;
        s.t_s = 0.1 * i + 0.1;
        s.processes = 1;
        s.threads = 1;
        s.rss = s.rss_min = s.rss_max = 4'000'000 + static_cast<std::uint64_t>(kRate * s.t_s) + (i % 3) * 4096;
        const std::int64_t held = capacity_at(s.t_s);
        s.live_heap = s.live_heap_min = s.live_heap_max = 100'000 + static_cast<std::uint64_t>(held);
        s.mapped = 0;
        r.samples.push_back(s);
        r.sites.t_s.push_back(s.t_s);
        site.live_bytes.push_back(held);
        site.live_count.push_back(1);
    }
    // The exit flush, after the destructors ran.
    r.sites.t_s.push_back(r.samples.back().t_s + 0.002);
    site.live_bytes.push_back(0);
    site.live_count.push_back(0);
    site.total_allocations = 9;
    site.total_bytes = static_cast<std::uint64_t>(2 * capacity_at(16.0));
    r.sites.sites.push_back(site);
    RunEnd end;
    end.reason = "exited";
    end.duration_s = 16.1;
    r.end = end;
    return r;
}

TEST(SampledAttribution, TheSiteHoldingADoublingContainerIsTheLeak) {
    const Analysis a = analyze(journal_run());
    ASSERT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
    ASSERT_EQ(a.process.rss_growth, diagnosis::RssGrowth::heap_in_steps) << a.process.verdict.summary;
    ASSERT_FALSE(a.sites.empty());
    EXPECT_TRUE(a.sites.front().diagnosis.leak) << a.sites.front().diagnosis.summary;
}

}  // namespace
}  // namespace leakscope::analysis
