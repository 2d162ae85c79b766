// RSS (or the malloc heap) that grows while the JVM's own heap is proven flat, or not yet tested by its
// collections: the JVM's own memory as much as a leak, undecided until it outgrows what settling adds
// (growth_beside_runtime_heap.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "diagnosis/growth_beside_runtime_heap.hpp"
#include "diagnosis/runtime_heap.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

// A serial collector's heap whose two full collections (at 8 s and 16 s) leave the same level, its young
// collections' levels climbing between them (promoted sessions of a bounded pool), sampled every 0.1 s
// for 20 s: proven flat.
ProcessSeries::RuntimeHeap bounded_pool_heap() {
    ProcessSeries::RuntimeHeap heap;
    double young = 0, full = 0;
    for (int i = 0; i <= 200; ++i) {
        const double t = 0.1 * i;
        if (i % 10 == 0 && i > 0) ++young;
        if (i == 80 || i == 160) ++full;
        const double since_full = t < 8 ? t : (t < 16 ? t - 8 : t - 16);
        heap.used.t_s.push_back(t);
        heap.used.value.push_back(7.7 * kMB + 0.8 * kMB * static_cast<double>(static_cast<int>(since_full)) + 0.3 * kMB * (t - static_cast<int>(t)));
        heap.collections.push_back(young);
        heap.full_collections.push_back(full);
    }
    heap.max_bytes = 256 * kMB;
    return heap;
}

// The same heap with what its full collections leave growing 1 MB a second: proven growth.
ProcessSeries::RuntimeHeap leaking_heap() {
    ProcessSeries::RuntimeHeap heap = bounded_pool_heap();
    for (std::size_t i = 0; i < heap.used.t_s.size(); ++i) heap.used.value[i] += 1 * kMB * heap.used.t_s[i];
    return heap;
}

// A JVM's RSS: a warm-up to 210 MB in its first 2 s, then `creep` bytes a second.
Series jvm_rss(double creep) {
    return make_series(201, 0.1, [creep](double t) { return t < 2 ? 105 * kMB * t : 210 * kMB + creep * (t - 2); }, 0.02 * kMB);
}

TEST(GrowthBesideRuntimeHeap, TheHeapIsProvenFlatByTwoLevelFullCollections) {
    const auto flat = detail::runtime_heap_proven_flat(bounded_pool_heap(), 2.0);
    ASSERT_TRUE(flat);
    EXPECT_NE(flat->find("full collections left"), std::string::npos) << *flat;
    EXPECT_FALSE(detail::runtime_heap_proven_flat(leaking_heap(), 2.0));
}

TEST(GrowthBesideRuntimeHeap, RssCreepingBesideAFlatJvmHeapIsUndecided) {
    // 60 kB/s after the warm-up: RSS alone calls it a leak; the JVM's heap shows what is live is level.
    ProcessSeries series;
    series.rss = jvm_rss(60e3);
    const ProcessDiagnosis rss_alone = diagnose_process(series);
    ASSERT_TRUE(rss_alone.verdict.leak) << rss_alone.verdict.summary;
    series.runtime_heap = bounded_pool_heap();
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.decided) << d.verdict.summary;
    ASSERT_TRUE(d.verdict.watch_more_s);
    // Until 32 MiB at ~60 kB/s (about 9 min), sooner than the half hour a pace must last.
    EXPECT_GT(*d.verdict.watch_more_s, 5 * 60.0);
    EXPECT_LT(*d.verdict.watch_more_s, 12 * 60.0);
    EXPECT_FALSE(d.verdict.time_to_limit_s);
    EXPECT_NE(d.verdict.summary.find("what is live in the JVM's heap did not"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("RSS alone said: "), std::string::npos) << d.verdict.summary;
}

ProcessDiagnosis diagnose_jvm(double rss_creep, const ProcessSeries::RuntimeHeap& heap) {
    ProcessSeries series;
    series.rss = jvm_rss(rss_creep);
    series.runtime_heap = heap;
    return diagnose_process(series);
}

TEST(GrowthBesideRuntimeHeap, NativeGrowthPastWhatSettlingAddsIsALeak) {
    // 2 MB/s beside the same flat heap: 36 MB in 18 s, more than compiled code and metadata add.
    const ProcessDiagnosis d = diagnose_jvm(2 * kMB, bounded_pool_heap());
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
}

TEST(GrowthBesideRuntimeHeap, AHeapThatGrowsLeavesRsssLeakAlone) {
    const ProcessDiagnosis d = diagnose_jvm(60e3, leaking_heap());
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
}

TEST(GrowthBesideRuntimeHeap, APaceKeptForHalfAnHourIsNoWarmupTail) {
    // 10 kB/s for 40 minutes beside a flat heap: 24 MB, under what settling adds, but kept too long.
    ProcessSeries series;
    series.rss = make_series(2401, 1.0, [](double t) { return t < 20 ? 10.5 * kMB * t : 210 * kMB + 10e3 * (t - 20); }, 0.02 * kMB);
    ProcessSeries::RuntimeHeap heap;
    for (int i = 0; i <= 2400; ++i) {
        heap.used.t_s.push_back(i);
        heap.used.value.push_back(7.7 * kMB + 0.05 * kMB * (i % 100));
        heap.collections.push_back(i / 10);
        heap.full_collections.push_back(i / 100);
    }
    series.runtime_heap = heap;
    ASSERT_TRUE(detail::runtime_heap_proven_flat(heap, 20));
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
}

// A G1 heap over two minutes whose young collections (every 2 s) leave a level that wanders, its old
// generation never collected: neither proven flat nor proving anything.
ProcessSeries::RuntimeHeap young_collections_only_heap() {
    ProcessSeries::RuntimeHeap heap;
    for (int i = 0; i <= 1200; ++i) {
        const double t = 0.1 * i;
        heap.used.t_s.push_back(t);
        heap.used.value.push_back(30 * kMB + 0.5 * kMB * (i % 20) + 0.3 * kMB * ((i / 20) % 3));
        heap.collections.push_back(i / 20);
        heap.full_collections.push_back(0);
    }
    heap.max_bytes = 268 * kMB;
    return heap;
}

// A JVM's malloc heap (what the tracker sees: its compiler, monitors, collector tables) over two minutes:
// 7 MB after start-up, then `creep` bytes a second.
Series jvm_malloc_heap(double creep) {
    return make_series(1201, 0.1, [creep](double t) { return 7 * kMB + creep * t; }, 0.01 * kMB);
}

ProcessDiagnosis diagnose_jvm_malloc_heap(double creep, const ProcessSeries::RuntimeHeap& heap) {
    ProcessSeries series;
    series.rss = make_series(1201, 0.1, [](double) { return 150 * kMB; }, 0.02 * kMB);
    series.live_heap = jvm_malloc_heap(creep);
    series.runtime_heap = heap;
    return diagnose_process(series);
}

TEST(GrowthBesideRuntimeHeap, AJvmsMallocHeapCreepingBesideAnUntestedHeapIsUndecided) {
    // A bounded cache in a JVM (java_capped_chm_fixed_flat, two minutes, fully tracked): its compiler and
    // monitors added 2.4 kB/s to the malloc heap, read "Leak, critical" while RSS alone said undecided.
    ProcessSeries malloc_alone;
    malloc_alone.rss = make_series(1201, 0.1, [](double) { return 150 * kMB; }, 0.02 * kMB);
    malloc_alone.live_heap = jvm_malloc_heap(2.4e3);
    ASSERT_TRUE(diagnose_process(malloc_alone).verdict.leak) << "the premise";
    ASSERT_FALSE(detail::runtime_heap_proven_flat(young_collections_only_heap(), 1.0));
    const ProcessDiagnosis d = diagnose_jvm_malloc_heap(2.4e3, young_collections_only_heap());
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.decided) << d.verdict.summary;
    ASSERT_TRUE(d.verdict.watch_more_s);
    EXPECT_FALSE(d.verdict.time_to_limit_s);
    EXPECT_EQ(d.verdict.severity, Severity::none);
    EXPECT_NE(d.verdict.summary.find("In a JVM that is its own memory"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("The malloc heap alone said: "), std::string::npos) << d.verdict.summary;
}

TEST(GrowthBesideRuntimeHeap, AJvmsMallocHeapPastWhatSettlingAddsStaysALeak) {
    // 400 kB/s for two minutes: 48 MB, more than a JVM's native areas settle by.
    const ProcessDiagnosis d = diagnose_jvm_malloc_heap(400e3, young_collections_only_heap());
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
    EXPECT_EQ(d.metric, "live_heap");
}

// A JVM's RSS over two minutes with its heap pre-touched: 210 MB after its first 2 s, then `creep` bytes a
// second, wandering by `wander` bytes either way over ~40 s (its native areas' pages touched and given back
// in bursts, as the G1 cache's RSS does), read with 20 kB of noise.
Series jvm_rss_for_two_minutes(double creep, double wander) {
    return make_series(1201, 0.1, [creep, wander](double t) {
        return t < 2 ? 105 * kMB * t : 210 * kMB + creep * (t - 2) + wander * std::sin(6.283185307179586 * t / 37);
    }, 0.02 * kMB);
}

ProcessDiagnosis diagnose_jvm_rss_for_two_minutes(double creep, double wander, const ProcessSeries::RuntimeHeap& heap) {
    ProcessSeries series;
    series.rss = jvm_rss_for_two_minutes(creep, wander);
    series.runtime_heap = heap;
    return diagnose_process(series);
}

TEST(GrowthBesideRuntimeHeap, RssCreepingAtARoughPaceBesideAJvmHeapNotYetTestedIsUndecided) {
    // tests/e2e/jvm/HeapService.java's LRU cache under G1 (heap pre-touched): RSS 212 -> 213 MB in 30 s
    // read "Leak 87.2 MB/h (95% CI 44.2 to 119 MB/h)" in clean clones whenever its marking cycles' lows
    // had not yet settled into a band (sessions 15, 27, 29). Neither a flat heap nor a leaking one: RSS's
    // creep, at a pace known this roughly, waits as the malloc heap's does above.
    const ProcessDiagnosis d = diagnose_jvm_rss_for_two_minutes(20e3, 0.6 * kMB, young_collections_only_heap());
    // The premise: RSS's own trend is a leak, at a pace known roughly.
    ASSERT_TRUE(d.rss.leak && d.rss.decided) << d.rss.summary;
    ASSERT_LT(d.rss.rate_ci_low_bytes_per_s, 0.8 * d.rss.steady_rate_bytes_per_s) << d.rss.summary;
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
    EXPECT_FALSE(d.verdict.decided) << d.verdict.summary;
    ASSERT_TRUE(d.verdict.watch_more_s);
    EXPECT_FALSE(d.verdict.time_to_limit_s);
    EXPECT_NE(d.verdict.summary.find("Undecided: RSS grew"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("heap it commits ahead of use"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("RSS alone said: "), std::string::npos) << d.verdict.summary;
}

TEST(GrowthBesideRuntimeHeap, RssCreepingAtAPreciseOrLargePaceBesideAJvmHeapNotYetTestedStaysALeak) {
    // A precise pace: the pages of a heap that grows as much as native memory (java_cancelled_timeouts, RSS
    // 400 MB/h, 95% CI 399 to 400 MB/h, beside an old generation not yet collected, was a leak).
    const ProcessDiagnosis precise = diagnose_jvm_rss_for_two_minutes(20e3, 0, young_collections_only_heap());
    EXPECT_TRUE(precise.verdict.leak) << precise.verdict.summary;
    EXPECT_TRUE(precise.verdict.decided);
    EXPECT_EQ(precise.metric, "rss");
    // 400 kB/s for two minutes: 47 MB, more than a JVM's native areas settle by, however rough its pace.
    const ProcessDiagnosis large = diagnose_jvm_rss_for_two_minutes(400e3, 8 * kMB, young_collections_only_heap());
    EXPECT_TRUE(large.verdict.leak) << large.verdict.summary;
    EXPECT_TRUE(large.verdict.decided);
}

TEST(GrowthBesideRuntimeHeap, AJvmHeapThatProvesALeakTellsTheStoryOverTheMallocHeapsCreep) {
    const ProcessDiagnosis d = diagnose_jvm_malloc_heap(2.4e3, leaking_heap());
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided);
    EXPECT_EQ(d.metric, "jvm_heap") << d.verdict.summary;
}

}  // namespace
}  // namespace leakscope::diagnosis
