// Sampled tracking's heap is the allocator's in-use figure, read only as often as the read's cost allows
// (a mallinfo2 walking a big heap's free chunks is spaced seconds apart). The samples between two reads
// repeat the last reading; format 2.9's count of reads says which samples carry a new one, and only
// those make the heap's series.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/analysis.hpp"
#include "analysis/sampled_heap_readings.hpp"
#include "recording_builders.hpp"

namespace leakscope::analysis {
namespace {

constexpr double kRss = 26'000'000;

/// A perl shipper's run, sampled every 0.1 s for 16 s: a batch built up and flushed every 2 s (the heap
/// figure a sawtooth from 12 to 14.5 MB), read every 100 ms during a 2 s warm-up, then every 4.1 s. Each
/// read lands a little further into the tooth, so the readings rise one after another. RSS stays flat.
Recording shipper_read_every_4_s(bool with_read_counts) {
    Recording r = testing::tracked_recording("300:perl", "sampled");
    r.info.allocator = "glibc";
    double held = 0;
    std::uint64_t reads = 0;
    double next_read_s = 0;
    for (int i = 0; i < 160; ++i) {
        const double t = 0.1 * i + 0.1;
        const double warming = std::min(1.0, t / 2.0);
        const double tooth = 2'500'000 * (t / 2.0 - std::floor(t / 2.0));
        const double heap_now = warming < 1.0 ? 12'000'000 * warming : 12'000'000 + tooth;
        if (t + 1e-9 >= next_read_s) {
            held = heap_now;
            ++reads;
            next_read_s = t < 2.0 ? t + 0.1 : t + 4.1;
        }
        SamplePoint s = testing::heap_sample(i, held);
        s.rss = s.rss_min = s.rss_max = static_cast<std::uint64_t>(kRss * std::min(1.0, t / 2.0) + 1'000'000);
        if (with_read_counts) s.allocator_reads = reads;
        r.samples.push_back(s);
    }
    testing::end_run(r, "duration", 16.0);
    return r;
}

TEST(SampledHeapReadings, ReadingsTooFewForATrendLeaveTheVerdictToRss) {
    const Analysis a = analyze(shipper_read_every_4_s(true));
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_TRUE(a.process.verdict.decided) << a.process.verdict.summary;
    EXPECT_EQ(a.process.metric, "rss") << a.process.verdict.summary;
    ASSERT_TRUE(a.process.live_heap.has_value());
    EXPECT_FALSE(a.process.live_heap->decided) << a.process.live_heap->summary;
    EXPECT_FALSE(a.process.live_heap->leak) << a.process.live_heap->summary;
    ASSERT_TRUE(a.process.live_heap->watch_more_s.has_value());
    EXPECT_GT(*a.process.live_heap->watch_more_s, 0.0);
    EXPECT_NE(a.process.live_heap->summary.find("read only"), std::string::npos) << a.process.live_heap->summary;
    EXPECT_NE(a.process.verdict.summary.find("read too seldom"), std::string::npos) << a.process.verdict.summary;
}

/// A Python chat service's history, truncated every 2 s while its index is never pruned: the heap figure a
/// sawtooth whose troughs rise 50 kB/s, read every other sample (about every 200 ms).
Recording sawtooth_read_every_other_sample() {
    Recording r = testing::tracked_recording("302:python3", "sampled");
    r.info.allocator = "glibc";
    std::uint64_t reads = 0;
    double held = 0;
    for (int i = 0; i < 160; ++i) {
        const double t = 0.1 * i + 0.1;
        if (i % 2 == 0) {
            held = 2'000'000 + 50'000 * t + 1'700'000 * (t / 2.0 - std::floor(t / 2.0));
            ++reads;
        }
        SamplePoint s = testing::heap_sample(i, held);
        s.rss = s.rss_min = s.rss_max = static_cast<std::uint64_t>(9'000'000 + 60'000 * t);
        s.allocator_reads = reads;
        r.samples.push_back(s);
    }
    testing::end_run(r, "duration", 16.0);
    return r;
}

std::vector<std::size_t> every_sample(const Recording& r) {
    std::vector<std::size_t> at(r.samples.size());
    for (std::size_t i = 0; i < at.size(); ++i) at[i] = i;
    return at;
}

TEST(SampledHeapReadings, ReadsARoundOrTwoApartKeepEverySample) {
    const Recording r = sawtooth_read_every_other_sample();
    EXPECT_EQ(sampled_heap_readings(r, r.samples, every_sample(r)).size(), r.samples.size());
    const Analysis a = analyze(r);
    EXPECT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
}

TEST(SampledHeapReadings, SparseReadsKeepOnlyTheSamplesWithANewReading) {
    const Recording r = shipper_read_every_4_s(true);
    const std::vector<std::size_t> kept = sampled_heap_readings(r, r.samples, every_sample(r));
    ASSERT_FALSE(kept.empty());
    EXPECT_LT(kept.size(), 30u);
    for (std::size_t k = 1; k < kept.size(); ++k)
        EXPECT_NE(r.samples[kept[k]].allocator_reads, r.samples[kept[k - 1]].allocator_reads);
}

/// A 3M-entry perl hash: its heap figure read every 100 ms while it grows to 500 MB in 3 s, after which
/// a read costs so much CPU that the next one falls due after the 22 s run. RSS stays where it got to.
Recording hash_whose_reads_stop(bool with_read_counts) {
    Recording r = testing::tracked_recording("301:perl", "sampled");
    r.info.allocator = "glibc";
    std::uint64_t reads = 0;
    double held = 0;
    for (int i = 0; i < 220; ++i) {
        const double t = 0.1 * i + 0.1;
        if (t <= 3.2) {
            held = 500'000'000 * t / 3.2;
            ++reads;
        }
        SamplePoint s = testing::heap_sample(i, held);
        s.rss = s.rss_min = s.rss_max = static_cast<std::uint64_t>(540'000'000 * std::min(1.0, t / 3.2) + 2'000'000);
        if (with_read_counts) s.allocator_reads = reads;
        r.samples.push_back(s);
    }
    testing::end_run(r, "duration", 22.0);
    return r;
}

TEST(SampledHeapReadings, ReadsThatStopEarlyLeaveTheHeapUnwatched) {
    const Analysis a = analyze(hash_whose_reads_stop(true));
    EXPECT_EQ(a.process.metric, "rss") << a.process.verdict.summary;
    EXPECT_FALSE(a.process.live_heap.has_value());
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
}

TEST(SampledHeapReadings, RecordingsWithoutReadCountsKeepEverySample) {
    // Before format 2.9 nothing tells a held reading from a new one: the heap series is every sample.
    const Analysis a = analyze(hash_whose_reads_stop(false));
    EXPECT_EQ(a.process.metric, "live_heap") << a.process.verdict.summary;
    ASSERT_TRUE(a.process.live_heap.has_value());
}

TEST(SampledHeapReadings, FullTrackingKeepsEverySampleWhateverTheReadCount) {
    // Fully tracked, the heap is the tracker's exact count, fresh every report; the allocator's figures,
    // read about once a second, say nothing about it.
    Recording r = hash_whose_reads_stop(true);
    r.info.tracker_mode = "full";
    const Analysis a = analyze(r);
    EXPECT_EQ(a.process.metric, "live_heap") << a.process.verdict.summary;
    ASSERT_TRUE(a.process.live_heap.has_value());
}

}  // namespace
}  // namespace leakscope::analysis
