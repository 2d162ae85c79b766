// The JVM heap verdict on measured series: tests/e2e/jvm/HeapService.java run under `leakscope run
// --no-track` with G1, the serial and the parallel collector, its hsperfdata figures recorded into
// tests/data/jvm_heap/*.csv (record.py; each file's first line says how it was run). The G1 rule: a
// climb after young collections is undecided until the old generation is collected; the lows after its
// marking cycles climb for a leak and return to one band for a cache that evicts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "diagnosis/runtime_heap.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

constexpr double kMegabyte = 1e6;

struct Recorded {
    ProcessSeries::RuntimeHeap heap;
    double steady_from_s = 0;  ///< RSS's warm-up end in that run
};

Recorded load(const std::string& name) {
    std::ifstream in(std::string(RUNTIME_HEAP_TEST_DATA_DIR) + "/" + name);
    EXPECT_TRUE(in) << name;
    Recorded r;
    std::string line;
    std::getline(in, line);
    r.steady_from_s = std::stod(line.substr(line.rfind('=') + 1));
    std::getline(in, line);  // the column names
    while (std::getline(in, line)) {
        std::istringstream row(line);
        double t = 0, used = 0, committed = 0, max = 0, young = 0, full = 0, concurrent = 0;
        char comma = 0;
        row >> t >> comma >> used >> comma >> committed >> comma >> max >> comma >> young >> comma >> full >> comma >> concurrent;
        r.heap.used.t_s.push_back(t);
        r.heap.used.value.push_back(used);
        r.heap.collections.push_back(young + full + concurrent);
        r.heap.full_collections.push_back(full);
        r.heap.marking_pauses.push_back(concurrent);
        r.heap.max_bytes = max;
        r.heap.committed_bytes = committed;
    }
    return r;
}

std::optional<detail::RuntimeHeapFinding> judge(const Recorded& r) { return detail::runtime_heap_leak(r.heap, r.steady_from_s, {}); }

/// The run cut at `t_s`: what a shorter watch would have seen.
Recorded until(Recorded r, double t_s) {
    std::size_t n = 0;
    while (n < r.heap.used.t_s.size() && r.heap.used.t_s[n] <= t_s) ++n;
    r.heap.used.t_s.resize(n);
    r.heap.used.value.resize(n);
    r.heap.collections.resize(n);
    r.heap.full_collections.resize(n);
    r.heap.marking_pauses.resize(n);
    return r;
}

TEST(RuntimeHeap, G1LowsAfterMarkingCyclesThatClimbAreALeak) {
    // 2.0 MB/s kept; G1 marks at every young collection once 20% of the heap is in use, and each cycle
    // finds nothing to reclaim: the lows were 32.0, 40.8, 49.8 MB.
    const auto finding = judge(load("g1_fast_leak_marking.csv"));
    ASSERT_TRUE(finding);
    const Diagnosis& d = finding->diagnosis;
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_TRUE(d.decided);
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 2.0 * kMegabyte, 0.3 * kMegabyte) << d.summary;
    EXPECT_LE(d.rate_ci_low_bytes_per_s, d.steady_rate_bytes_per_s);
    EXPECT_GE(d.rate_ci_high_bytes_per_s, d.steady_rate_bytes_per_s);
    EXPECT_EQ(finding->evidence, "the lows after 3 collections of the old generation climb");
    EXPECT_NE(d.summary.find("marking cycles"), std::string::npos) << d.summary;
    // Projected to the maximum heap (-Xmx128m): about 134 MB at 2 MB/s from ~55 MB, well under a minute.
    ASSERT_TRUE(d.time_to_limit_s) << d.summary;
    EXPECT_LT(*d.time_to_limit_s, 60.0);
    EXPECT_LT(d.trend_p_value, 0.05) << "the levels after collections over the lows' span";
}

TEST(RuntimeHeap, G1TwoClimbingLowsAreTooFewForAPace) {
    // The same run watched until just after its second marking cycle's first mixed collection.
    const auto finding = judge(until(load("g1_fast_leak_marking.csv"), 24.5));
    ASSERT_TRUE(finding);
    EXPECT_FALSE(finding->diagnosis.leak);
    EXPECT_FALSE(finding->diagnosis.decided) << finding->diagnosis.summary;
    ASSERT_TRUE(finding->diagnosis.watch_more_s);
    EXPECT_GE(*finding->diagnosis.watch_more_s, 60.0);
    EXPECT_NE(finding->diagnosis.summary.find("two are too few"), std::string::npos) << finding->diagnosis.summary;
}

TEST(RuntimeHeap, G1LowsThatReturnToTheirBandAreNoLeak) {
    // The LRU cache keeps 40 MB and evicts 4 MB/s of entries promoted to the old generation: its young
    // collections' levels climb as fast as a leak's between marking cycles, their lows stay at 54-56 MB
    // (three cycles under -Xmx128m, ~30 under -Xmx64m, where it marks every second).
    for (const char* name : {"g1_cache_marking.csv", "g1_cache_x64.csv"}) {
        const auto finding = judge(load(name));
        EXPECT_FALSE(finding) << name << ": " << finding->diagnosis.summary;
    }
    // Cut while the cache still fills (the lows rise, then level off): no leak either.
    const auto filling = judge(until(load("g1_cache_marking.csv"), 27));
    EXPECT_FALSE(filling) << filling->diagnosis.summary;
}

TEST(RuntimeHeap, G1ClimbBeforeAnyMarkingIsUndecidedForTheLeakAndTheCacheAlike) {
    // G1's default heap here commits 380 MB and marks at 45% of it: neither run was marked in 40 s. The
    // leak's levels climbed 1 MB/s, the cache's 4 MB/s; nothing tells them apart yet.
    for (const char* name : {"g1_leak_default_heap.csv", "g1_cache_default_heap.csv"}) {
        const auto finding = judge(load(name));
        ASSERT_TRUE(finding) << name;
        const Diagnosis& d = finding->diagnosis;
        EXPECT_FALSE(d.leak) << name;
        EXPECT_FALSE(d.decided) << name << ": " << d.summary;
        ASSERT_TRUE(d.watch_more_s) << name;
        EXPECT_GE(*d.watch_more_s, 60.0) << name;
        EXPECT_NE(d.summary.find("no marking cycle or full collection"), std::string::npos) << d.summary;
    }
    // The leak's wait is until its 1 MB/s reach 45% of 380 MB, then as long again as it was watched.
    const auto leak = judge(load("g1_leak_default_heap.csv"));
    EXPECT_GE(*leak->diagnosis.watch_more_s, 120.0) << leak->diagnosis.summary;
}

TEST(RuntimeHeap, G1LeakHighInItsHeapIsStillClimbingNotLevelledOff) {
    // RSS stays flat (the heap is touched up front) and said "no leak": the levels after collections
    // climbed 12.2 -> 43.4 MB, and G1's one marking cycle so far gave nothing back. The last three
    // (41.6, 40.9, 43.4 MB) lie within a tenth of each other, but climb at 0.6 of the whole pace.
    const auto finding = judge(load("g1_leak_pretouched_x64.csv"));
    ASSERT_TRUE(finding);
    EXPECT_FALSE(finding->diagnosis.decided) << finding->diagnosis.summary;
    EXPECT_FALSE(finding->diagnosis.leak);
}

TEST(RuntimeHeap, AFullCollectionProvesTheLeakThatFillsTheHeapDespiteTwoFullCollectionsAtTheEnd) {
    // -Xmx64m filled at 2 MB/s: its last two full collections, 1.3 s apart, left 61.5 and 64.1 MB; that is
    // the leak's pace, not "no growth between them".
    const auto finding = judge(load("g1_fast_leak_fills_x64.csv"));
    ASSERT_TRUE(finding);
    EXPECT_TRUE(finding->diagnosis.leak) << finding->diagnosis.summary;
    EXPECT_EQ(finding->evidence, "proven by a full collection");
    EXPECT_NEAR(finding->diagnosis.steady_rate_bytes_per_s, 2.0 * kMegabyte, 0.3 * kMegabyte);
}

TEST(RuntimeHeap, SerialFullCollectionsAgreeWithG1sLowsOnTheCache) {
    // The same cache under -XX:+UseSerialGC -Xmx128m: two full collections left 50.7 and 47.9 MB.
    const auto finding = judge(load("serial_cache_x128.csv"));
    EXPECT_FALSE(finding) << finding->diagnosis.summary;
}

TEST(RuntimeHeap, G1FlatProgramsGiveNothing) {
    // Humongous buffers freed at young collections (falls of 10-28 MB, the lows in one band), and a
    // catalog loaded once whose lows hold at 37-38 MB over four marking cycles.
    for (const char* name : {"g1_sawtooth_x64.csv", "g1_warmup_x64.csv"}) {
        const auto finding = judge(load(name));
        EXPECT_FALSE(finding) << name << ": " << finding->diagnosis.summary;
    }
}

TEST(RuntimeHeap, ASlowLeakWithoutAFullCollectionIsUndecided) {
    // 0.1 MB/s under the serial collector: its young levels climbed 5.5 -> 7.3 MB, none of the old
    // generation was collected in 40 s.
    const auto finding = judge(load("serial_slow_leak_x128.csv"));
    ASSERT_TRUE(finding);
    EXPECT_FALSE(finding->diagnosis.decided) << finding->diagnosis.summary;
}

TEST(RuntimeHeap, ProvenFlatOnlyWhereTheCollectionsShowIt) {
    // What a leak of RSS beside the heap needs (growth_beside_runtime_heap.cpp): the cache's lows back in
    // one band, the serial cache's two full collections level; never a leak's lows, a climb no collection
    // of the old generation has tested, or a cache whose lows are still rising.
    for (const char* name : {"g1_cache_marking.csv", "g1_cache_x64.csv", "g1_sawtooth_x64.csv", "g1_warmup_x64.csv"}) {
        const Recorded r = load(name);
        const auto flat = detail::runtime_heap_proven_flat(r.heap, r.steady_from_s);
        ASSERT_TRUE(flat) << name;
        EXPECT_NE(flat->find("in one band"), std::string::npos) << name << ": " << *flat;
    }
    const Recorded serial = load("serial_cache_x128.csv");
    const auto serial_flat = detail::runtime_heap_proven_flat(serial.heap, serial.steady_from_s);
    ASSERT_TRUE(serial_flat);
    EXPECT_NE(serial_flat->find("full collections left"), std::string::npos) << *serial_flat;
    for (const char* name : {"g1_fast_leak_marking.csv", "g1_fast_leak_fills_x64.csv", "g1_leak_pretouched_x64.csv",
                             "g1_leak_default_heap.csv", "g1_cache_default_heap.csv", "serial_slow_leak_x128.csv"}) {
        const Recorded r = load(name);
        const auto flat = detail::runtime_heap_proven_flat(r.heap, r.steady_from_s);
        EXPECT_FALSE(flat) << name << ": " << *flat;
    }
    const Recorded filling = until(load("g1_cache_marking.csv"), 27);
    const auto still_filling = detail::runtime_heap_proven_flat(filling.heap, filling.steady_from_s);
    EXPECT_FALSE(still_filling) << *still_filling;
}

}  // namespace
}  // namespace leakscope::diagnosis
