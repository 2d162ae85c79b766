// RSS growth into memory mapped earlier (VmData flat) is bounded by it; growth that maps more is not.
// The series are shaped after /proc/PID/status read once a second from two corpus programs under load:
// c_ring_buffer_flat (a 4 MB ring calloc'ed at start and written 124 kB/s: RssAnon 0.33 -> 2.0 MB,
// VmData 4.59 MB throughout) and late_leak (RssAnon +2.46 MB, VmData +2.48 MB over the same time).
#include "diagnosis/diagnosis.hpp"

#include <gtest/gtest.h>

#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::make_series;
constexpr double kKiB = 1024.0;

/// RSS only (what `attach` and --no-track see): anonymous memory climbing 124 kB/s on 1.5 MB of
/// file-backed pages for 14 s, sampled at 10 Hz; `vm_data` the private writable mappings' size.
ProcessSeries rss_only(const std::function<double(double)>& vm_data) {
    ProcessSeries series;
    const auto anon = [](double t) { return 328 * kKiB + 124 * kKiB * t; };
    series.anon_rss = make_series(140, 0.1, anon, 2 * kKiB, 21);
    series.rss = make_series(140, 0.1, [&](double t) { return anon(t) + 1500 * kKiB; }, 2 * kKiB, 22);
    series.file_rss = make_series(140, 0.1, [](double) { return 1500 * kKiB; }, 0, 23);
    series.vm_data = make_series(140, 0.1, vm_data, 0, 24);
    return series;
}

TEST(MappedCeiling, RssFillingARingMappedAtStartIsNoLeak) {
    const ProcessDiagnosis d = diagnose_process(rss_only([](double) { return 4588 * kKiB; }), {.limit_bytes = 8e9});
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
    EXPECT_EQ(d.rss_growth, RssGrowth::into_mapped);
    EXPECT_EQ(d.verdict.pattern, Pattern::warmup_plateau);
    EXPECT_EQ(d.verdict.severity, Severity::none);
    EXPECT_FALSE(d.verdict.time_to_limit_s.has_value());
    // The ceiling: RSS now (~3.56 MB) plus what is mapped but not resident (4.59 - ~2.0 MB).
    ASSERT_TRUE(d.verdict.settling_toward_bytes.has_value());
    EXPECT_NEAR(*d.verdict.settling_toward_bytes, (4588 + 1500) * kKiB, 150 * kKiB);
    EXPECT_NE(d.verdict.summary.find("mapped earlier"), std::string::npos) << d.verdict.summary;
    EXPECT_EQ(d.rss.leak, true) << "RSS's own diagnosis still shows the climb";
}

TEST(MappedCeiling, RoomMappedFarAheadOfTheGrowthIsNoBoundYet) {
    // jemalloc maps tens of MB ahead of use: 40 MB of data mappings, of which the 1.7 MB the run saw
    // written are not a fifth. A leak would not have had to map more yet: undecided, and the wait is
    // how long the room lasts at 124 KiB/s (~38 MB: ~5 min).
    const ProcessDiagnosis d = diagnose_process(rss_only([](double) { return 40e6; }), {.limit_bytes = 8e9});
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.decided) << d.verdict.summary;
    EXPECT_EQ(d.rss_growth, RssGrowth::into_mapped);
    ASSERT_TRUE(d.verdict.watch_more_s.has_value());
    const double headroom = 40e6 - (328 + 124 * 13.9) * kKiB;
    EXPECT_GE(*d.verdict.watch_more_s, headroom / (124 * kKiB));
    EXPECT_LE(*d.verdict.watch_more_s, headroom / (124 * kKiB) + 120);
    EXPECT_NE(d.verdict.summary.find("Too early to tell"), std::string::npos) << d.verdict.summary;
}

TEST(MappedCeiling, ThreadStacksMappedButUntouchedAreNoRoomForTheHeap) {
    // The ring of the first test in a service with four more threads: their 8 MiB stacks are in VmData,
    // 16 KiB of each resident (smaps, read every 5 s). A heap cannot grow into them: the room is the
    // ring's, and the bound decides as it did without the threads.
    ProcessSeries series = rss_only([](double) { return 4588 * kKiB + 4 * 8192 * kKiB; });
    series.threads = make_series(140, 0.1, [](double) { return 5.0; }, 0, 25);
    series.unresident_stacks = make_series(3, 5.0, [](double) { return 4 * (8192 - 16) * kKiB; }, 0, 26);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 8e9});
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided) << d.verdict.summary;
    ASSERT_TRUE(d.verdict.settling_toward_bytes.has_value());
    EXPECT_NEAR(*d.verdict.settling_toward_bytes, (4588 + 1500) * kKiB, 150 * kKiB);
    // Without smaps' word on the stacks, their 32 MiB read as room not used yet: undecided.
    series.unresident_stacks.reset();
    const ProcessDiagnosis blind = diagnose_process(series, {.limit_bytes = 8e9});
    EXPECT_FALSE(blind.verdict.decided) << blind.verdict.summary;
}

TEST(MappedCeiling, GrowthWithinTheArenasSlackDoesNotTestTheBound) {
    // A slow leak (20 KiB/s over 14 s: 280 KiB) with ~0.7 MiB of writable room left. One thread: over a
    // quarter of the room is used and the bound decides (no leak). Five threads: glibc's five arenas may
    // each keep 128 KiB of their top mapped and untouched, 640 KiB in all, more than the growth so far:
    // a leak need not have mapped more yet. Undecided, until the room would be used at this pace (~36 s:
    // a minute).
    const auto anon = [](double t) { return 2000 * kKiB + 20 * kKiB * t; };
    ProcessSeries series;
    series.anon_rss = make_series(140, 0.1, anon, 1 * kKiB, 31);
    series.rss = make_series(140, 0.1, [&](double t) { return anon(t) + 1500 * kKiB; }, 1 * kKiB, 32);
    series.file_rss = make_series(140, 0.1, [](double) { return 1500 * kKiB; }, 0, 33);
    series.vm_data = make_series(140, 0.1, [](double) { return 3000 * kKiB; }, 0, 34);
    series.threads = make_series(140, 0.1, [](double) { return 1.0; }, 0, 35);
    const ProcessDiagnosis one = diagnose_process(series, {.limit_bytes = 8e9});
    ASSERT_EQ(one.rss_growth, RssGrowth::into_mapped) << one.verdict.summary;
    EXPECT_TRUE(one.verdict.decided) << one.verdict.summary;
    EXPECT_FALSE(one.verdict.leak);

    series.threads = make_series(140, 0.1, [](double) { return 5.0; }, 0, 35);
    const ProcessDiagnosis five = diagnose_process(series, {.limit_bytes = 8e9});
    EXPECT_EQ(five.rss_growth, RssGrowth::into_mapped);
    EXPECT_FALSE(five.verdict.decided) << five.verdict.summary;
    EXPECT_FALSE(five.verdict.leak);
    ASSERT_TRUE(five.verdict.watch_more_s.has_value());
    EXPECT_GE(*five.verdict.watch_more_s, 45.0);
    EXPECT_LE(*five.verdict.watch_more_s, 180.0);
}

TEST(MappedCeiling, GrowthThatMapsMoreStaysALeak) {
    // A leak through malloc: the brk heap (VmData) grows with the anonymous memory it holds.
    const ProcessDiagnosis d = diagnose_process(rss_only([](double t) { return 400 * kKiB + 124 * kKiB * t; }),
                                                {.limit_bytes = 8e9});
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_NE(d.rss_growth, RssGrowth::into_mapped);
    // Mappings growing at a third of the pace are not "flat" either.
    const ProcessDiagnosis third = diagnose_process(rss_only([](double t) { return 4588 * kKiB + 42 * kKiB * t; }),
                                                    {.limit_bytes = 8e9});
    EXPECT_TRUE(third.verdict.leak) << third.verdict.summary;
}

TEST(MappedCeiling, ABoundAboveTheLimitDoesNotHelp) {
    // 5 GB mapped up front (a JVM run with -Xms equal to -Xmx): filling it reaches a 4 GB limit anyway.
    const ProcessDiagnosis d = diagnose_process(rss_only([](double) { return 5e9; }), {.limit_bytes = 4e9});
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.time_to_limit_s.has_value());
}

TEST(MappedCeiling, AManagedHeapCommittedUpFrontIsNotABound) {
    // A JVM commits its heap at start (-Xms): a leak inside it fills committed memory without mapping
    // more. Its own heap figures judge it, not the mappings.
    ProcessSeries series = rss_only([](double) { return 4588 * kKiB; });
    series.runtime_heap = ProcessSeries::RuntimeHeap{};
    series.runtime_heap->used = make_series(140, 0.1, [](double t) { return 1e6 + 100 * kKiB * t; }, 0, 27);
    series.runtime_heap->collections.assign(140, 0.0);
    series.runtime_heap->full_collections.assign(140, 0.0);
    EXPECT_NE(diagnose_process(series, {.limit_bytes = 8e9}).rss_growth, RssGrowth::into_mapped);
}

TEST(MappedCeiling, WithoutVmDataRssDecidesAlone) {
    // A recording older than format 2.5: no VmData, no bound.
    ProcessSeries series = rss_only([](double) { return 4588 * kKiB; });
    series.vm_data.reset();
    EXPECT_TRUE(diagnose_process(series, {.limit_bytes = 8e9}).verdict.leak);
}

TEST(MappedCeiling, FileBackedGrowthIsNotBoundedByTheDataMappings) {
    // RSS climbs in file-backed pages (a mapped file being read): VmData says nothing about those.
    ProcessSeries series = rss_only([](double) { return 4588 * kKiB; });
    series.anon_rss = make_series(140, 0.1, [](double) { return 328 * kKiB; }, 2 * kKiB, 25);
    EXPECT_NE(diagnose_process(series, {.limit_bytes = 8e9}).rss_growth, RssGrowth::into_mapped);
}

TEST(MappedCeiling, TheTrackedHeapsOwnGrowthIsNeverBoundedAway) {
    // The tracker sees the live heap grow as fast as RSS: that is the verdict, whatever VmData does.
    ProcessSeries series = rss_only([](double) { return 4588 * kKiB; });
    series.live_heap = make_series(140, 0.1, [](double t) { return 200 * kKiB + 124 * kKiB * t; }, 1 * kKiB, 26);
    const ProcessDiagnosis d = diagnose_process(series, {.limit_bytes = 8e9});
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_EQ(d.metric, "live_heap");
}

}  // namespace
}  // namespace leakscope::diagnosis
