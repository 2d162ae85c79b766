#include "diagnosis/diagnosis.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>

#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

using testing::rss_growing_over_flat_heap;

TEST(DiagnoseProcess, RssStillSettlingIsNotCalledAWarmupThatEnded) {
    // numpy frames in a ring under sampled tracking (session 16): the heap flat from 6.7 s, RSS settling to
    // the end of the run toward 138 MB; the summary read "One-time warm-up of 132 MB in the first 16.1 s,
    // then flat", RSS's warm-up with the heap's flat rate.
    ProcessSeries series;
    series.live_heap = make_series(161, 0.1, [](double t) { return t < 6.7 ? 9.4 * kMB * t : 63 * kMB; }, 0.2 * kMB, 1);
    series.rss = make_series(161, 0.1, [](double t) { return 6 * kMB + 140 * kMB * (1 - std::exp(-t / 8.0)); }, 0.2 * kMB, 2);
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.rss.settling_toward_bytes.has_value()) << "the premise: " << d.rss.summary;
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_LT(d.verdict.warmup_end_s, 10.0) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("RSS is still settling"), std::string::npos) << d.verdict.summary;
}

TEST(DiagnoseProcess, RssAloneUndecidedSaysThatTrackingAllocationsWouldTell) {
    // `attach` without --track: RSS +4 kB/s for 14 s after a warm-up, 14 pages, too few to decide. The
    // heap would tell at once; the summary says how to get it, and only where there is no heap.
    ProcessSeries series;
    series.rss = make_series(140, 0.1, [](double t) { return 25 * kMB + 4e3 * t; }, 1e3, 2);
    const ProcessDiagnosis rss_only = diagnose_process(series);
    ASSERT_FALSE(rss_only.verdict.decided) << "the premise: " << rss_only.verdict.summary;
    EXPECT_NE(rss_only.verdict.summary.find("attach PID --track"), std::string::npos) << rss_only.verdict.summary;

    series.live_heap = make_series(140, 0.1, [](double t) { return 19 * kMB + 4e3 * t; }, 1e3, 1);
    const ProcessDiagnosis tracked = diagnose_process(series);
    EXPECT_EQ(tracked.verdict.summary.find("--track"), std::string::npos) << tracked.verdict.summary;
}

TEST(DiagnoseProcess, FragmentationNeedsMoreThanADozenPages) {
    // A flat service's eight arenas settling (session 16): RSS +4 kB/s for 14 s, 14 pages, with the
    // allocator's free bytes rising as much, read "Fragmentation: RSS grows 12.3 MB/h". The same creep
    // kept up for 60 s (59 pages) is fragmentation.
    const auto service = [](double seconds) {
        ProcessSeries series;
        const std::size_t n = static_cast<std::size_t>(seconds * 10);
        series.live_heap = make_series(n, 0.1, [](double) { return 19 * kMB; }, 2e3, 1);
        series.rss = make_series(n, 0.1, [](double t) { return 25 * kMB + 4e3 * t; }, 1e3, 2);
        series.allocator_free = make_series(n, 0.1, [](double t) { return 1 * kMB + 4e3 * t; }, 1e3, 5);
        series.allocator_footprint = make_series(n, 0.1, [](double t) { return 20 * kMB + 4e3 * t; }, 1e3, 6);
        return diagnose_process(series);
    };
    const ProcessDiagnosis short_run = service(14);
    EXPECT_NE(short_run.verdict.pattern, Pattern::fragmentation) << short_run.verdict.summary;
    EXPECT_FALSE(short_run.verdict.leak);
    EXPECT_EQ(short_run.rss_growth, RssGrowth::none);
    const ProcessDiagnosis long_run = service(60);
    EXPECT_EQ(long_run.verdict.pattern, Pattern::fragmentation) << long_run.verdict.summary;
}

TEST(DiagnoseProcess, FragmentationNeedsTheAllocatorsFreeBytesToGrow) {
    ProcessSeries series = rss_growing_over_flat_heap();
    series.allocator_free = make_series(1000, 1.0, [](double t) { return 30 * kMB + 20e3 * t; }, 10e3, 5);
    series.allocator_footprint = make_series(1000, 1.0, [](double t) { return 330 * kMB + 20e3 * t; }, 10e3, 6);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 2048 * kMB});
    EXPECT_EQ(d.verdict.pattern, Pattern::fragmentation);
    EXPECT_FALSE(d.verdict.leak);
    EXPECT_EQ(d.rss_growth, RssGrowth::allocator_retains);
    EXPECT_EQ(d.metric, "rss");
    EXPECT_NE(d.verdict.severity, Severity::critical);
    EXPECT_TRUE(d.verdict.time_to_limit_s.has_value());  // it still hurts: RSS reaches the limit
    ASSERT_TRUE(d.decomposition.has_value());
    EXPECT_TRUE(d.decomposition->allocator_measured);
    EXPECT_NEAR(d.decomposition->allocator_retained.bytes_per_s, 20e3, 1.5e3);
    EXPECT_NE(d.verdict.summary.find("Fragmentation"), std::string::npos);
    EXPECT_NE(d.verdict.summary.find("free-but-kept"), std::string::npos);
}

TEST(DiagnoseProcess, V8sMallocHeapGrowingAheadOfItsCollectionsIsUndecidedLikeItsRss) {
    // examples/patterns/node/request_cache_flat.js in sampled mode (session 9's accuracy run): RSS
    // grew 1.4 MB/s with no full collection, the malloc heap (V8's aligned allocations and buffers)
    // 21 kB/s with an interval of 2-41 kB/s, and the verdict was "Leak, critical". Both wait for the
    // collections that tell a leak from a heap growing ahead of them.
    ProcessSeries series;
    series.rss = make_series(200, 0.1, [](double t) { return 40 * kMB + 1.4 * kMB * t; }, 0.05 * kMB, 1);
    series.live_heap = make_series(200, 0.1, [](double t) { return 8 * kMB + 21e3 * t; }, 0.03 * kMB, 2);
    Options node;
    node.releases_by_collector = true;
    const ProcessDiagnosis d = diagnose_process(series, node);
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.decided) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.watch_more_s.has_value());
    // The report does not say that the heap is flat while it grows.
    EXPECT_EQ(d.verdict.summary.find("does not grow"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("The live heap grows"), std::string::npos) << d.verdict.summary;
    // Any other program's malloc heap growing so is a leak.
    const ProcessDiagnosis native = diagnose_process(series, {});
    EXPECT_TRUE(native.verdict.leak) << native.verdict.summary;
}

TEST(DiagnoseProcess, RssGrowthNoPartExplainsIsALeakOutsideTheHeap) {
    // Without the allocator's figures there is no evidence of fragmentation: RSS decides, and the
    // tracker's flat heap only says where the growth is not.
    ProcessSeries series = rss_growing_over_flat_heap();
    series.threads = make_series(1000, 1.0, [](double t) { return 3 + std::floor(t / 5); }, 0, 7);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 2048 * kMB});
    EXPECT_TRUE(d.verdict.leak);
    EXPECT_EQ(d.verdict.pattern, Pattern::linear_growth);
    EXPECT_EQ(d.rss_growth, RssGrowth::outside_heap);
    EXPECT_EQ(d.metric, "rss");
    EXPECT_TRUE(d.verdict.time_to_limit_s.has_value());
    EXPECT_NE(d.verdict.summary.find("outside the malloc heap"), std::string::npos);
    EXPECT_NE(d.rss_growth_where.find("threads "), std::string::npos) << d.rss_growth_where;
    EXPECT_EQ(d.verdict.summary.find("not a leak"), std::string::npos);
}

TEST(DiagnoseProcess, AHeapSawtoothEndingNearATopIsNotSaidToGrowNorNotToGrowByItsGain) {
    // RSS grows outside the heap while the heap is a sawtooth with no trend, caught near a tooth's top at
    // the end: its gain between the window's ends is positive. "The live heap does not grow (+13.9 MB)"
    // read as a contradiction (a sampled run of a trimmed audit history).
    ProcessSeries series = rss_growing_over_flat_heap();
    series.live_heap = make_series(1000, 1.0, [](double t) { return 280 * kMB + 0.3 * kMB * std::fmod(t + 30, 100.0); }, 50e3, 1);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 2048 * kMB});
    ASSERT_EQ(d.rss_growth, RssGrowth::outside_heap) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("The live heap has no trend (it rose and fell; +"), std::string::npos) << d.verdict.summary;
    EXPECT_EQ(d.verdict.summary.find("does not grow (+"), std::string::npos) << d.verdict.summary;
}

TEST(DiagnoseProcess, RssGrowingInTheBrkHeapAloneIsNotCalledOutsideTheMallocHeap) {
    // The brk heap is glibc's main arena: growth there beyond the live blocks is the allocator's memory,
    // and "outside the malloc heap — brk heap +94.2 kB" contradicted itself (order_book_churn_flat, sampled).
    ProcessSeries series = rss_growing_over_flat_heap();
    series.rss_by_mapping.push_back({"brk heap", make_series(200, 5.0, [](double t) { return 300 * kMB + 20e3 * t; }, 0, 17)});
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 2048 * kMB});
    ASSERT_EQ(d.rss_growth, RssGrowth::outside_heap) << d.verdict.summary;
    EXPECT_EQ(d.verdict.summary.find("outside the malloc heap"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("glibc's main arena (brk heap +"), std::string::npos) << d.verdict.summary;
}

TEST(DiagnoseProcess, RssFillingTheAllocatorsFreeMemoryIsBounded) {
    // The allocator's footprint is flat and held 60 MB free: 20 MB more resident is that memory being
    // touched, bounded by the footprint.
    ProcessSeries series = rss_growing_over_flat_heap();
    series.allocator_free = make_series(1000, 1.0, [](double) { return 60 * kMB; }, 10e3, 5);
    series.allocator_footprint = make_series(1000, 1.0, [](double) { return 360 * kMB; }, 10e3, 6);
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_FALSE(d.verdict.leak);
    EXPECT_EQ(d.rss_growth, RssGrowth::within_allocator);
    EXPECT_EQ(d.metric, "live_heap");
    EXPECT_EQ(d.verdict.severity, Severity::none);
}

/// A telemetry agent calloc'ed a 4 MB ring at start (the allocator mmapped it, untouched) and writes
/// 128 kB of records a second into it: RSS climbs while the heap, the allocator's footprint and its free
/// space stay flat. `anon_start`: anonymous resident bytes at the start.
ProcessSeries ring_filled_after_start(double anon_start) {
    ProcessSeries series;
    series.live_heap = make_series(140, 0.1, [](double) { return 4.3 * kMB; }, 1e3, 11);
    series.allocator_footprint = make_series(140, 0.1, [](double) { return 4.5 * kMB; }, 1e3, 12);
    series.allocator_free = make_series(140, 0.1, [](double) { return 0.2 * kMB; }, 1e3, 13);
    series.mapped = make_series(140, 0.1, [](double) { return 0.0; }, 0, 14);
    series.anon_rss = make_series(140, 0.1, [=](double t) { return anon_start + 128e3 * t; }, 2e3, 15);
    series.rss = make_series(140, 0.1, [=](double t) { return anon_start + 3.9 * kMB + 128e3 * t; }, 2e3, 16);
    return series;
}

TEST(DiagnoseProcess, RssWritingBlocksAllocatedEarlierIsBounded) {
    const ProcessDiagnosis d = diagnose_process(ring_filled_after_start(1.0 * kMB));
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_EQ(d.rss_growth, RssGrowth::within_allocator) << d.verdict.summary;
    EXPECT_EQ(d.metric, "live_heap");
    EXPECT_NE(d.verdict.summary.find("written only now"), std::string::npos) << d.verdict.summary;
}

TEST(DiagnoseProcess, RssBeyondWhatTheAllocatorHoldsIsStillOutsideTheHeap) {
    // The same climb in a process whose anonymous memory already exceeds all the allocator holds: the
    // growth cannot be its unwritten blocks.
    const ProcessDiagnosis d = diagnose_process(ring_filled_after_start(30.0 * kMB));
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_EQ(d.rss_growth, RssGrowth::outside_heap) << d.verdict.summary;
}

TEST(DiagnoseProcess, ThreadStacksGrowingAreOutsideTheHeapWhateverTheAllocatorHolds) {
    ProcessSeries series = ring_filled_after_start(1.0 * kMB);
    ProcessSeries::MappingSeries stacks{"thread stacks", make_series(5, 3.0, [](double t) { return 0.2 * kMB + 128e3 * t; }, 0, 17)};
    series.rss_by_mapping.push_back(stacks);
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_EQ(d.rss_growth, RssGrowth::outside_heap) << d.verdict.summary;
}

TEST(DiagnoseProcess, HeapGainedInStepsExplainsRssGrowth) {
    // A journal in one vector: capacity doublings put the heap up in three steps, RSS climbs as the
    // pages are written.
    ProcessSeries series;
    series.live_heap = make_series(1000, 1.0, [](double t) { return 8 * kMB * (t < 250 ? 1 : t < 500 ? 2 : t < 750 ? 4 : 8); }, 0, 1);
    series.rss = make_series(1000, 1.0, [](double t) { return 20 * kMB + 64e3 * t; }, 50e3, 2);
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_TRUE(d.verdict.leak);
    EXPECT_NE(d.verdict.pattern, Pattern::fragmentation);
}

TEST(DiagnoseProcess, WarmupBeforeTheHeapsFirstReportComesFromRss) {
    // The tracker's first report came 2 s in, after a 150 MB JIT warm-up that RSS saw whole.
    ProcessSeries series;
    series.rss = make_series(200, 0.1, [](double t) { return t < 2 ? 20 * kMB + 75 * kMB * t : 170 * kMB; }, 100e3, 3);
    Series heap = make_series(180, 0.1, [](double) { return 60 * kMB; }, 1e3, 4);
    for (double& t : heap.t_s) t += 2.0;
    series.live_heap = heap;
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_FALSE(d.verdict.leak);
    EXPECT_EQ(d.verdict.pattern, Pattern::warmup_plateau);
    EXPECT_NEAR(d.verdict.warmup_bytes, 150 * kMB, 20 * kMB);
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
    EXPECT_NEAR(d.decomposition->allocator_retained.bytes_per_s, 0, 2e3);
}

TEST(DiagnoseProcess, RssOnlyRestsOnRss) {
    ProcessSeries series;
    series.rss = make_series(300, 1.0, [](double) { return 50 * kMB; }, 1e4);
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_EQ(d.metric, "rss");
    EXPECT_FALSE(d.live_heap.has_value());
    EXPECT_FALSE(d.decomposition.has_value());
}

/// RSS only, in whole pages: 3.5 MB climbing to 8.85 MB in the first 2.5 s, then one more page every
/// `seconds_a_page` (order_book_churn_flat under --no-track gained 12 pages in 12 s).
ProcessSeries rss_in_pages(double seconds_a_page) {
    ProcessSeries series;
    series.rss = make_series(150, 0.1, [=](double t) {
        const double bytes = t < 2.5 ? 3.5 * kMB + 5.35 * kMB * t / 2.5 : 8.85 * kMB + 4096 * std::floor((t - 2.5) / seconds_a_page);
        return 4096 * std::floor(bytes / 4096);
    }, 0);
    return series;
}

TEST(DiagnoseProcess, RssGrowingByAFewPagesIsUndecided) {
    const ProcessDiagnosis few = diagnose_process(rss_in_pages(1.0));
    EXPECT_LT(few.rss.trend_p_value, 0.01) << "RSS's own trend is plain: " << few.rss.summary;
    // RSS's own diagnosis waits as the verdict does: beside a tracked heap it is the witness for a weak
    // heap trend, and a dozen pages witness nothing (order_book_churn_flat, full tracking, session 23).
    EXPECT_FALSE(few.rss.decided) << few.rss.summary;
    EXPECT_FALSE(few.verdict.leak) << few.verdict.summary;
    EXPECT_FALSE(few.verdict.decided) << few.verdict.summary;
    ASSERT_TRUE(few.verdict.watch_more_s.has_value());
    EXPECT_NE(few.verdict.summary.find("pages"), std::string::npos) << few.verdict.summary;
    // Ten times the pace: 120 pages, a leak.
    const ProcessDiagnosis many = diagnose_process(rss_in_pages(0.1));
    EXPECT_TRUE(many.verdict.leak) << many.verdict.summary;
    EXPECT_TRUE(many.verdict.decided);
}

TEST(DiagnoseProcess, ALeakJudgedFromRssAloneSaysWhereRssGrew) {
    // A log written through a shared file mapping (session 18's real-program trial, --no-track): RSS
    // grew 200 kB/s, nearly all of it in file-backed pages, and the summary never said where.
    ProcessSeries series;
    series.rss = make_series(160, 0.1, [](double t) { return 20 * kMB + 200e3 * t; }, 2e3, 41);
    series.rss_by_mapping.push_back({"file-backed mappings", make_series(9, 2.0, [](double t) { return 5 * kMB + 195e3 * t; }, 0, 42)});
    series.rss_by_mapping.push_back({"other anonymous mappings", make_series(9, 2.0, [](double) { return 12 * kMB; }, 0, 43)});
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("RSS grew in: file-backed mappings +"), std::string::npos) << d.verdict.summary;
    EXPECT_EQ(d.verdict.summary.find("other anonymous mappings"), std::string::npos) << d.verdict.summary;
    // No parts known: nothing said.
    series.rss_by_mapping.clear();
    EXPECT_EQ(diagnose_process(series).verdict.summary.find("RSS grew in"), std::string::npos);
}

TEST(DiagnoseProcess, TheMappingsShareOfTheHeapsGainIsMeasured) {
    // Mapped buffers leaking 250 kB/s beside flat live blocks: the verdict's series gains in them alone.
    ProcessSeries series;
    series.mapped = make_series(160, 0.1, [](double t) { return 0.1 * kMB + 250e3 * t; }, 0, 71);
    series.live_heap = make_series(160, 0.1, [](double) { return 2 * kMB; }, 1e3, 72);
    for (std::size_t i = 0; i < 160; ++i) series.live_heap->value[i] += series.mapped->value[i];
    series.rss = make_series(160, 0.1, [](double t) { return 6 * kMB + 250e3 * t; }, 2e3, 73);
    const ProcessDiagnosis mapped = diagnose_process(series);
    ASSERT_EQ(mapped.metric, "live_heap");
    ASSERT_TRUE(mapped.verdict.leak) << mapped.verdict.summary;
    EXPECT_GT(mapped.mapped_share_of_gain, 0.95);
    // The same growth in the live blocks: none of it is the mappings'.
    series.mapped = make_series(160, 0.1, [](double) { return 0.1 * kMB; }, 0, 71);
    EXPECT_LT(diagnose_process(series).mapped_share_of_gain, 0.05);
}

TEST(DiagnoseProcess, PartsOnAnotherGridAreRejected) {
    ProcessSeries series;
    series.rss = make_series(300, 1.0, [](double) { return 50 * kMB; }, 1e4);
    series.live_heap = make_series(200, 1.0, [](double) { return 40 * kMB; }, 1e4);
    series.mapped = make_series(100, 1.0, [](double) { return 1 * kMB; }, 1e4);
    EXPECT_THROW(diagnose_process(series), std::invalid_argument);
    series.mapped.reset();
    series.threads = make_series(200, 1.0, [](double) { return 4.0; }, 0);
    EXPECT_THROW(diagnose_process(series), std::invalid_argument);
}


// Sampled tracking's heap is the allocator's in-use figure: 16 s in which it creeps 3 kB/s (48 kB) over a
// flat RSS of 22 MB, as a Python ingest service's did while its exact heap stood still, the caches' level
// breathing `wander` bytes up and down as its threads free and take blocks (0: a clean line).
ProcessSeries in_use_figure_creeping_over_flat_rss(double creep_bytes_per_s, double wander = 0) {
    ProcessSeries series;
    series.rss = make_series(160, 0.1, [](double) { return 22 * kMB; }, 2e3, 31);
    series.live_heap = make_series(160, 0.1, [=](double t) { return 1.9 * kMB + creep_bytes_per_s * t + wander * std::sin(1.3 * t); },
                                   0.5e3, 32);
    return series;
}

TEST(DiagnoseProcess, ASampledHeapGrowingLessThanTheAllocatorsCachesHoldIsUndecided) {
    ProcessSeries series = in_use_figure_creeping_over_flat_rss(3e3, 15e3);
    const ProcessDiagnosis exact = diagnose_process(series);
    ASSERT_TRUE(exact.verdict.leak) << "an exact heap growing so steadily is a leak: " << exact.verdict.summary;

    series.heap_cache_bytes = 3 * 240128.0;
    const ProcessDiagnosis sampled = diagnose_process(series);
    EXPECT_FALSE(sampled.verdict.leak) << sampled.verdict.summary;
    EXPECT_FALSE(sampled.verdict.decided);
    ASSERT_TRUE(sampled.verdict.watch_more_s.has_value());
    // At 3 kB/s the caches' 720 kB are outgrown after 240 s: 225 s more than the 15 s watched, in minutes.
    EXPECT_EQ(*sampled.verdict.watch_more_s, 240.0);
    EXPECT_EQ(sampled.verdict.severity, Severity::none);
    EXPECT_NE(sampled.verdict.summary.find("per-thread caches"), std::string::npos) << sampled.verdict.summary;
    EXPECT_NE(sampled.verdict.summary.find("full tracking"), std::string::npos) << sampled.verdict.summary;
}

/// The heap's row of a sampled heap grown by a sliver of its caches: undecided for one minute more (as long
/// again as the runs below watched, in whole minutes), saying why, what RSS did, and what would tell.
void expect_too_small_to_tell(const ProcessDiagnosis& d, const std::string& rss_did) {
    ASSERT_TRUE(d.live_heap.has_value());
    const Diagnosis& heap = *d.live_heap;
    EXPECT_FALSE(heap.decided) << heap.summary;
    ASSERT_TRUE(heap.watch_more_s.has_value());
    EXPECT_EQ(*heap.watch_more_s, 60.0) << heap.summary;
    EXPECT_NE(heap.summary.find("too small to tell"), std::string::npos) << heap.summary;
    EXPECT_NE(heap.summary.find("while " + rss_did), std::string::npos) << heap.summary;
    EXPECT_NE(heap.summary.find("full tracking"), std::string::npos) << heap.summary;
}

TEST(DiagnoseProcess, ASampledHeapGrowingBySliverOfTheCachesBesideFlatRssLeavesTheVerdictToRss) {
    // 150 B/s, 2.3 kB over the 15 s watched: 0.3% of three threads' caches, which it would outgrow only
    // after 80 min more, 320 times what was watched (py_numpy_scoring_batch_spikes, sampled: 144 B at 9 B/s
    // read "Watch at least 14 h 39 min more"). Too small to tell with sampled tracking in a run this long:
    // RSS, flat and decided, carries the verdict (the figure not moving at all beside it reads "no leak"
    // too), and the heap's row points to full tracking with a wait of as long again as was watched.
    ProcessSeries series = in_use_figure_creeping_over_flat_rss(150);
    const ProcessDiagnosis exact = diagnose_process(series);
    ASSERT_TRUE(exact.live_heap && exact.verdict.leak) << "the premise: the figure's growth is significant: " << exact.verdict.summary;

    series.heap_cache_bytes = 3 * 240128.0;
    const ProcessDiagnosis sampled = diagnose_process(series);
    ASSERT_TRUE(sampled.rss.decided && !sampled.rss.leak) << "the premise: " << sampled.rss.summary;
    EXPECT_FALSE(sampled.verdict.leak) << sampled.verdict.summary;
    EXPECT_TRUE(sampled.verdict.decided) << sampled.verdict.summary;
    EXPECT_FALSE(sampled.verdict.watch_more_s.has_value());
    EXPECT_EQ(sampled.metric, "rss");
    EXPECT_NE(sampled.verdict.summary.find("RSS carries the verdict"), std::string::npos) << sampled.verdict.summary;
    expect_too_small_to_tell(sampled, "RSS stayed flat");  // as long again as the 15 s watched, in whole minutes
}

/// order_book_churn_flat's RSS under sampled tracking, `n` samples 0.1 s apart: it creeps 3.1 kB/s page by
/// page into memory the process mapped earlier (its private writable mappings flat at 20 MB, megabytes of
/// them not resident yet), beside the in-use figure `heap` (noise of 2 kB) and four threads' caches.
ProcessSeries rss_creeping_into_mapped_memory(std::size_t n, const std::function<double(double)>& heap) {
    ProcessSeries series;
    series.live_heap = make_series(n, 0.1, heap, 2e3, 38);
    series.heap_cache_bytes = 4 * 240128.0;
    const auto anon = [](double t) { return 6 * kMB + 3.1e3 * t; };
    series.rss = make_series(n, 0.1, [&](double t) { return anon(t) + 4 * kMB; }, 0.3e3, 34);
    series.anon_rss = make_series(n, 0.1, anon, 0.3e3, 35);
    series.file_rss = make_series(n, 0.1, [](double) { return 4 * kMB; }, 0, 36);
    series.vm_data = make_series(n, 0.1, [](double) { return 20 * kMB; }, 0, 37);
    return series;
}

TEST(DiagnoseProcess, ASampledHeapGrowingBySliverOfTheCachesBesideRssFillingMappedMemoryWaitsABoundedTime) {
    // RSS that grew only into memory mapped earlier reads a leak of its own, which the caches rule doubts: it
    // carries no verdict on the heap's behalf (the process's is RSS filling mapped memory, undecided), and
    // the heap's row waits a bounded time. The in-use figure wanders 5 kB around a creep of 0.5 kB/s, 30 kB
    // in a minute: 3% of four threads' caches, outgrown after 31 min more.
    const ProcessSeries series =
        rss_creeping_into_mapped_memory(600, [](double t) { return 1.9 * kMB + 0.5e3 * t + 5e3 * std::sin(1.3 * t); });
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_TRUE(d.rss.leak) << "the premise: RSS's own trend is a decided climb: " << d.rss.summary;
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.decided) << d.verdict.summary;
    EXPECT_EQ(d.verdict.summary.find("RSS carries the verdict"), std::string::npos) << d.verdict.summary;
    expect_too_small_to_tell(d, "RSS grew only into memory the process had mapped earlier");  // as long again as the minute watched
}

TEST(DiagnoseProcess, ASampledHeapClimbingAlongOneLineWithinTheCachesIsALeak) {
    // The same 48 kB, but reading after reading along one line: a leak's pace, which caches filling in
    // bursts and levelling off do not keep (trace_logger_registry_slow_leak, sampled: R² 1.00 over 94).
    ProcessSeries series = in_use_figure_creeping_over_flat_rss(3e3);
    series.heap_cache_bytes = 3 * 240128.0;
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
    EXPECT_NEAR(d.verdict.steady_rate_bytes_per_s, 3e3, 0.3e3) << d.verdict.summary;
}

TEST(DiagnoseProcess, ASampledHeapGrowingWithinTheCachesIsALeakWhenRssGrowsAsMuch) {
    // geo_gateway_referer_leak, sampled: the in-use figure rose ~0.85 MB at 55 kB/s, under the caches'
    // 960 kB, and RSS rose as much, its own trend still undecided: that is no cache filling.
    ProcessSeries series = in_use_figure_creeping_over_flat_rss(55e3);
    series.heap_cache_bytes = 4 * 240128.0;
    // RSS: a warm-up of 20 MB over 6 s, then 50 kB/s: 0.5 MB in 10 s, too little after so long a warm-up
    // for its own trend to decide.
    series.rss = make_series(160, 0.1, [](double t) { return t < 6 ? 34 * kMB + 20 * kMB * t / 6 : 54 * kMB + 50e3 * (t - 6); }, 2e3, 33);
    const ProcessDiagnosis d = diagnose_process(series);
    ASSERT_FALSE(d.rss.decided) << "the premise: RSS's own trend is undecided: " << d.rss.summary;
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
}

TEST(DiagnoseProcess, RssFillingMemoryMappedEarlierProvesNoMoreThanTheCachesDo) {
    // Shaped after order_book_churn_flat, sampled (the recording itself: tests/analysis/
    // recorded_verdicts_test.cpp): RSS creeps with the private writable mappings flat and megabytes of
    // them not resident yet, while the in-use figure wanders and grows less than the caches can hold.
    // Neither proves a leak; once the mappings grow with RSS, the growth is the heap's leak.
    // The in-use figure wanders 60 kB either way around a creep of 3.5 kB/s (what the threads' caches
    // happen to hold at each reading); RSS creeps 3.1 kB/s, page by page.
    const auto wandering = [](double creep_bytes_per_s) {
        return [=](double t) { return 1.9 * kMB + creep_bytes_per_s * t + 60e3 * std::sin(1.3 * t); };
    };
    ProcessSeries series = rss_creeping_into_mapped_memory(160, wandering(3.5e3));
    const ProcessDiagnosis into_mapped = diagnose_process(series);
    ASSERT_LT(into_mapped.rss.trend_p_value, 0.01) << "the premise: RSS's own trend is a plain climb: " << into_mapped.rss.summary;
    ASSERT_GT(into_mapped.rss.steady_rate_bytes_per_s, 0) << into_mapped.rss.summary;
    EXPECT_FALSE(into_mapped.verdict.leak) << into_mapped.verdict.summary;
    // 16 s of it are 12 pages: no growth to explain at all (session 16), the heap's own verdict stands.
    EXPECT_EQ(into_mapped.rss_growth, RssGrowth::none) << into_mapped.verdict.summary;
    EXPECT_EQ(into_mapped.metric, "live_heap");
    // A minute of the same creep (45 pages into memory mapped earlier) proves no more than the caches do.
    series = rss_creeping_into_mapped_memory(600, wandering(0.5e3));
    const ProcessDiagnosis minute_into_mapped = diagnose_process(series);
    EXPECT_FALSE(minute_into_mapped.verdict.leak) << minute_into_mapped.verdict.summary;
    EXPECT_FALSE(minute_into_mapped.verdict.decided) << minute_into_mapped.verdict.summary;
    // Mappings that grow with it: RSS is no allocator touching what it holds, and the growth stands, once
    // it is more than a few pages (page_granular_growth.hpp: 16 s of it are 11 pages; a minute, 45).
    series = rss_creeping_into_mapped_memory(600, wandering(3.5e3));
    series.vm_data = make_series(600, 0.1, [](double t) { return 20 * kMB + 3.1e3 * t; }, 0, 37);
    const ProcessDiagnosis mapping_more = diagnose_process(series);
    EXPECT_TRUE(mapping_more.verdict.leak) << mapping_more.metric << ": " << mapping_more.verdict.summary;
}

TEST(DiagnoseProcess, ASampledHeapOutgrowingTheAllocatorsCachesIsALeak) {
    // 60 kB/s: 900 kB over the run, more than three threads' caches can hold.
    ProcessSeries series = in_use_figure_creeping_over_flat_rss(60e3);
    series.heap_cache_bytes = 3 * 240128.0;
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
}

}  // namespace
}  // namespace leakscope::diagnosis
