// A container doubling its capacity: RSS climbs page by page while the heap, and the one site holding
// the buffer, rise in steps too few for their own trend. The process verdict names that site. The
// sites' last snapshot is the exit flush, taken after the program's destructors freed the buffer: the
// rise is measured up to the end of the process's samples, not to that snapshot.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "analysis/analysis.hpp"
#include "recording_builders.hpp"
#include "analysis/sampled_attribution.hpp"

namespace leakscope::analysis {
namespace {

constexpr double kRate = 512000;  // bytes/s of records appended

/// The vector's capacity at time t: 64 KiB doubled whenever the records outgrow it.
std::int64_t capacity_at(double t_s) {
    double capacity = 65536;
    while (capacity < kRate * t_s) capacity *= 2;
    return static_cast<std::int64_t>(capacity);
}

/// A run of one process sampled every 100 ms, with one allocation stack; the caller adds the samples.
Recording one_stack_run(const std::string& tracker_mode, const std::string& process) {
    Recording r = testing::tracked_recording(process, tracker_mode);
    Stack stack;
    stack.id = StackId{1};
    stack.frames = {0x401000};
    r.stacks.emplace(StackId{1}, stack);
    return r;
}

Recording journal_run() {
    Recording r = one_stack_run("full", "100:journal");
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
    testing::end_run(r, "exited", 16.1);
    return r;
}

TEST(SampledAttribution, TheSiteHoldingADoublingContainerIsTheLeak) {
    const Analysis a = analyze(journal_run());
    ASSERT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
    ASSERT_EQ(a.process.rss_growth, diagnosis::RssGrowth::heap_in_steps) << a.process.verdict.summary;
    ASSERT_FALSE(a.sites.empty());
    EXPECT_TRUE(a.sites.front().diagnosis.leak) << a.sites.front().diagnosis.summary;
}

/// One process sampled every 100 ms for `samples` samples under sampled tracking (one sample per 512
/// KiB), with one allocation site: RSS, the heap's totals and the site's estimate as functions of time;
/// the site's allocations over the run; the run ends 0.1 s after the last sample.
struct SiteTotals {
    std::uint64_t allocations = 0;
    std::uint64_t bytes = 0;
};
Recording one_site_sampled_run(int samples, const std::function<double(double)>& rss, const std::function<double(double)>& heap,
                               const std::function<double(double)>& site_estimate, SiteTotals totals) {
    Recording r = one_stack_run("sampled", "100:service");
    r.info.sample_bytes = 524288;
    SiteSeries::Site site;
    site.stack = StackId{1};
    for (int i = 0; i < samples; ++i) {
        SamplePoint s;
        s.t_s = 0.1 * i + 0.1;
        s.processes = 1;
        s.threads = 1;
        s.rss = s.rss_min = s.rss_max = static_cast<std::uint64_t>(rss(s.t_s));
        s.live_heap = s.live_heap_min = s.live_heap_max = static_cast<std::uint64_t>(heap(s.t_s));
        s.mapped = 0;
        r.samples.push_back(s);
        r.sites.t_s.push_back(s.t_s);
        site.live_bytes.push_back(static_cast<std::int64_t>(site_estimate(s.t_s)));
        site.live_count.push_back(site.live_bytes.back() / 524288);
    }
    site.total_allocations = totals.allocations;
    site.total_bytes = totals.bytes;
    r.sites.sites.push_back(site);
    testing::end_run(r, "exited", r.samples.back().t_s + 0.1);
    return r;
}

/// RSS at 3 MB plus `bytes`, in whole pages.
double pages_over_3mb(double bytes) { return 3'000'000 + std::floor(bytes / 4096) * 4096; }

/// Sampled tracking at one sample per 512 KiB of a heap that leaks 0.8 MB: the heap's totals count every
/// byte and rise in a straight line, while the one sampled site holds nothing (no sample fell in the rise).
Recording sampled_run_with_no_sample_in_the_rise() {
    return one_site_sampled_run(
        140, [](double t) { return pages_over_3mb(60000 * t); }, [](double t) { return 160'000 + 60000 * t; },
        [](double) { return 0.0; }, {.allocations = 3, .bytes = 3 * 524288});
}

TEST(SampledAttribution, AGrowthNoSampleFellInIsSaidAndNotPinnedOnASite) {
    const Analysis a = analyze(sampled_run_with_no_sample_in_the_rise());
    ASSERT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
    ASSERT_EQ(a.process.metric, "live_heap");
    for (const auto& site : a.sites) EXPECT_FALSE(site.diagnosis.leak) << "a site with no sampled bytes was called the leak";
    ASSERT_TRUE(a.unsampled_growth.has_value());
    EXPECT_NEAR(a.unsampled_growth->rise_bytes, 60000 * 13.9, 60000 * 2.0);
    EXPECT_NEAR(a.unsampled_growth->expected_samples, a.unsampled_growth->rise_bytes / 524288, 1e-9);
    const std::string sentence = unsampled_growth_sentence(*a.unsampled_growth);
    EXPECT_NE(sentence.find("512 KiB"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("--sample-bytes 64K"), std::string::npos) << sentence;
}

/// Sampled tracking of a service that builds a 20 MB table in its first 0.65 s, then leaks 100 kB/s from
/// one site. The sites' grid has a column every 0.5 s, so at the end of the process's warm-up the table
/// site still reads its half-built size (examples/patterns/big_base_slow_leak.cpp named its table as
/// the leak in sampled mode: the rise from that column to the end was the table's last 10 MB).
Recording sampled_run_after_a_big_build() {
    Recording r = testing::tracked_recording("100:service", "sampled");
    r.info.sample_bytes = 524288;
    for (std::uint32_t id : {1u, 2u}) {
        Stack stack;
        stack.id = StackId{id};
        stack.frames = {0x401000 + id * 0x100};
        r.stacks.emplace(StackId{id}, stack);
    }
    constexpr double kTable = 20e6, kBuiltS = 0.65, kLeak = 100e3;
    const auto table_at = [&](double t) { return kTable * std::min(1.0, t / kBuiltS); };
    const auto leak_at = [&](double t) { return t > kBuiltS ? kLeak * (t - kBuiltS) : 0.0; };
    for (int i = 0; i < 160; ++i) {
        SamplePoint s;
        s.t_s = 0.1 * i + 0.1;
        s.processes = 1;
        s.threads = 1;
        const double heap = 200'000 + table_at(s.t_s) + leak_at(s.t_s);
        s.live_heap = s.live_heap_min = s.live_heap_max = static_cast<std::uint64_t>(heap);
        s.rss = s.rss_min = s.rss_max = 3'000'000 + static_cast<std::uint64_t>(heap / 4096) * 4096;
        r.samples.push_back(s);
    }
    SiteSeries::Site table, leak;
    table.stack = StackId{1};
    leak.stack = StackId{2};
    // The site estimates move in whole samples of 512 KiB.
    const auto in_samples = [](double bytes) { return static_cast<std::int64_t>(std::floor(bytes / 524288) * 524288); };
    for (int k = 1; k <= 32; ++k) {
        const double t = 0.5 * k;
        r.sites.t_s.push_back(t);
        table.live_bytes.push_back(in_samples(table_at(t)));
        table.live_count.push_back(table.live_bytes.back() / 524288);
        leak.live_bytes.push_back(in_samples(leak_at(t)));
        leak.live_count.push_back(leak.live_bytes.back() / 524288);
    }
    table.total_allocations = leak.total_allocations = 40;
    table.total_bytes = static_cast<std::uint64_t>(kTable);
    leak.total_bytes = static_cast<std::uint64_t>(kLeak * 16);
    r.sites.sites = {table, leak};
    testing::end_run(r, "exited", 16.1);
    return r;
}

TEST(SampledAttribution, ASitesOwnWarmupIsNoShareOfTheLeak) {
    const Analysis a = analyze(sampled_run_after_a_big_build());
    ASSERT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
    ASSERT_GE(a.sites.size(), 2u);
    for (const auto& site : a.sites) {
        const bool is_table = site.series_index == 0;
        EXPECT_EQ(site.diagnosis.leak, !is_table) << (is_table ? "the table" : "the leak") << ": " << site.diagnosis.summary;
    }
}

TEST(SampledAttribution, FullTrackingNeverClaimsAGrowthWentUnsampled) {
    Recording r = sampled_run_with_no_sample_in_the_rise();
    r.info.tracker_mode = "full";
    r.info.sample_bytes = 0;
    EXPECT_FALSE(analyze(r).unsampled_growth.has_value());
}


/// Sampled tracking of a process whose RSS grows 400 kB/s outside the heap (mappings of its own) while
/// its heap leaks 60 kB/s from one site, a fraction of RSS's pace: the verdict rests on RSS ("the live
/// heap explains little of it"), and the site the samples point to is named as with full tracking.
Recording sampled_run_leaking_beside_faster_rss_growth() {
    return one_site_sampled_run(
        160, [](double t) { return pages_over_3mb(1'000'000 + 400000 * t); }, [](double t) { return 300'000 + 60000 * t; },
        [](double t) { return std::floor(60000 * t / 524288) * 524288; }, {.allocations = 1200, .bytes = 60000 * 16});
}

TEST(SampledAttribution, AHeapLeakingBesideFasterRssGrowthNamesItsSite) {
    const Analysis a = analyze(sampled_run_leaking_beside_faster_rss_growth());
    ASSERT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
    ASSERT_EQ(a.process.metric, "rss") << a.process.verdict.summary;
    ASSERT_TRUE(a.process.live_heap && a.process.live_heap->leak) << a.process.verdict.summary;
    ASSERT_FALSE(a.sites.empty());
    EXPECT_TRUE(a.sites.front().diagnosis.leak) << a.sites.front().diagnosis.summary;
}

}  // namespace
}  // namespace leakscope::analysis
