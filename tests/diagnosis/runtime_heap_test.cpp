// A JVM's heap judged by what survives its collections: a full collection that leaves more in use than
// an earlier collection did proves that what is live grew; two full collections that leave the same
// prove it did not, however the young collections' levels climb between them. (Measured G1, serial and
// parallel series: runtime_heap_measured_test.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "diagnosis/runtime_heap.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

// A serial collector's heap sampled every 0.1 s: the program allocates `allocate` bytes/s into eden, of
// which `retained` stays live for good and `promoted` lives long enough to reach the old generation
// and die there (sessions evicted from a pool); the rest dies young. A young collection runs when eden
// holds `eden` bytes, a full one when the old generation outgrows `old_capacity` (then 1.6x as large).
struct HeapModel {
    double seconds = 20, base = 5.5 * kMB, allocate = 1.05 * kMB, retained = 1.0 * kMB, promoted = 0;
    double eden = 5 * kMB, old_capacity = 12 * kMB;
};

ProcessSeries::RuntimeHeap simulate(const HeapModel& m) {
    ProcessSeries::RuntimeHeap heap;
    double eden = 0, old_live = m.base, old_dead = 0, capacity = m.old_capacity, young = 0, full = 0, since_young = 0;
    for (double t = 0; t <= m.seconds + 1e-9; t += 0.1) {
        eden += m.allocate * 0.1;
        since_young += 0.1;
        if (eden >= m.eden) {
            old_live += m.retained * since_young;
            old_dead += m.promoted * since_young;
            eden = 0;
            since_young = 0;
            ++young;
            if (old_live + old_dead > capacity) {
                old_dead = 0;
                capacity *= 1.6;
                ++full;
            }
        }
        heap.used.t_s.push_back(t);
        heap.used.value.push_back(old_live + old_dead + eden);
        heap.collections.push_back(young);
        heap.full_collections.push_back(full);
    }
    return heap;
}

// The registry leaking 1 MB/s (examples/patterns/java/SubscriptionRegistry.java): little garbage, one
// full collection in 20 s.
HeapModel leaking_registry() { return {}; }

// The bounded session pool (SessionPoolFlat.java): 4 MB/s of garbage, 0.8 MB/s of sessions promoted
// and dying in the old generation, nothing retained after the pool's fill.
HeapModel bounded_pool() {
    HeapModel m;
    m.base = 9.5 * kMB;
    m.allocate = 4.8 * kMB;
    m.retained = 0;
    m.promoted = 0.8 * kMB;
    m.eden = 4 * kMB;
    return m;
}

TEST(RuntimeHeap, LevelsAreTakenOnlyAfterCollections) {
    const auto levels = detail::levels_after_collections(simulate(leaking_registry()));
    ASSERT_GE(levels.size(), 3u);
    EXPECT_GE(std::count_if(levels.begin(), levels.end(), [](const auto& l) { return l.full; }), 1);
    for (std::size_t i = 1; i < levels.size(); ++i) EXPECT_GT(levels[i].used_bytes, levels[i - 1].used_bytes);
}

TEST(RuntimeHeap, TheLevelIsTheLowestUntilTheNextCollection) {
    // A sample whose count rose while the pause was still under way (sizes not yet updated), then the
    // settled one, then eden filling again.
    ProcessSeries::RuntimeHeap heap;
    heap.used = {.t_s = {0, 1, 2, 3, 4}, .value = {60, 60, 8, 20, 9}};
    heap.collections = {3, 4, 4, 4, 5};
    heap.full_collections = {1, 2, 2, 2, 2};
    const auto levels = detail::levels_after_collections(heap);
    ASSERT_EQ(levels.size(), 2u);
    EXPECT_EQ(levels[0].t_s, 2);
    EXPECT_EQ(levels[0].used_bytes, 8);
    EXPECT_TRUE(levels[0].full);
    EXPECT_EQ(levels[1].used_bytes, 9);
    EXPECT_FALSE(levels[1].full);
}

TEST(RuntimeHeap, AFullCollectionThatKeepsTheGrowthProvesALeak) {
    const auto finding = detail::runtime_heap_leak(simulate(leaking_registry()), 1.5, {});
    ASSERT_TRUE(finding);
    const Diagnosis& verdict = finding->diagnosis;
    EXPECT_TRUE(verdict.leak);
    EXPECT_EQ(verdict.pattern, Pattern::linear_growth);
    EXPECT_NEAR(verdict.steady_rate_bytes_per_s, 1.0 * kMB, 0.25 * kMB) << verdict.summary;
    EXPECT_LE(verdict.rate_ci_low_bytes_per_s, verdict.steady_rate_bytes_per_s);
    EXPECT_GE(verdict.rate_ci_high_bytes_per_s, verdict.steady_rate_bytes_per_s);
    EXPECT_NE(verdict.summary.find("JVM's heap"), std::string::npos) << verdict.summary;
    EXPECT_EQ(finding->evidence, "proven by a full collection");
}

TEST(RuntimeHeap, TwoFullCollectionsLeavingTheSameProveNoGrowth) {
    const ProcessSeries::RuntimeHeap heap = simulate(bounded_pool());
    const auto levels = detail::levels_after_collections(heap);
    ASSERT_GE(std::count_if(levels.begin(), levels.end(), [](const auto& l) { return l.full; }), 2);
    // The young collections' levels climb between the full ones: promotions, not a leak.
    const auto finding = detail::runtime_heap_leak(heap, 1.5, {});
    EXPECT_FALSE(finding) << finding->diagnosis.summary;
}

TEST(RuntimeHeap, AClimbNoCollectionOfTheOldGenerationHasTestedIsUndecided) {
    HeapModel m = leaking_registry();
    m.old_capacity = 1e12;  // the old generation is never collected in the run
    const auto finding = detail::runtime_heap_leak(simulate(m), 1.5, {});
    ASSERT_TRUE(finding);
    EXPECT_FALSE(finding->diagnosis.leak);
    EXPECT_FALSE(finding->diagnosis.decided);
    ASSERT_TRUE(finding->diagnosis.watch_more_s);
    EXPECT_GE(*finding->diagnosis.watch_more_s, 60.0);
}

TEST(RuntimeHeap, GrowthBeforeSteadyStateIsTheWarmupsNotALeak) {
    // A cache filled in the first 8 s and then flat: the full collection at 8 s proves growth only
    // against levels of the warm-up. Its one full collection in steady state (11.6 s) leaves the
    // promotions after it unmeasured (14.2 -> 21.0 MB by 19.7 s): not a leak, and not "no growth" either.
    HeapModel m = bounded_pool();
    m.old_capacity = 10.5 * kMB;
    ProcessSeries::RuntimeHeap heap = simulate(m);
    for (std::size_t i = 0; i < heap.used.t_s.size(); ++i) heap.used.value[i] += 4 * kMB * std::min(1.0, heap.used.t_s[i] / 8);
    const auto finding = detail::runtime_heap_leak(heap, 8.5, {});
    ASSERT_TRUE(finding);
    EXPECT_FALSE(finding->diagnosis.leak) << finding->diagnosis.summary;
    EXPECT_FALSE(finding->diagnosis.decided);
    // Watched on past its next full collection (the old generation fills again by ~25 s), the two full
    // collections left the same: no growth.
    m.seconds = 40;
    heap = simulate(m);
    for (std::size_t i = 0; i < heap.used.t_s.size(); ++i) heap.used.value[i] += 4 * kMB * std::min(1.0, heap.used.t_s[i] / 8);
    const auto longer = detail::runtime_heap_leak(heap, 8.5, {});
    EXPECT_FALSE(longer) << longer->diagnosis.summary;
}

TEST(RuntimeHeap, TwoLevelsProveGrowthButGiveNoPaceSoItIsUndecided) {
    // A 12 s run: one young collection, then the full one that kept the growth, and nothing after. The
    // proof exists: "no leak" would be wrong, and a pace from two levels has no spread.
    ProcessSeries::RuntimeHeap heap;
    heap.used = {.t_s = {0, 4, 5, 9, 10, 12}, .value = {6e6, 10.6e6, 11e6, 14.6e6, 13.2e6, 15e6}};
    heap.collections = {5, 6, 6, 6, 7, 7};
    heap.full_collections = {0, 0, 0, 0, 1, 1};
    ASSERT_EQ(detail::levels_after_collections(heap).size(), 2u);
    const auto finding = detail::runtime_heap_leak(heap, 1.5, {});
    ASSERT_TRUE(finding);
    const Diagnosis& d = finding->diagnosis;
    EXPECT_FALSE(d.leak);
    EXPECT_FALSE(d.decided);
    ASSERT_TRUE(d.watch_more_s);
    EXPECT_EQ(*d.watch_more_s, 60.0);  // one more collection, 6 s apart: rounded up to a minute
    EXPECT_NE(d.summary.find("too few for a pace"), std::string::npos) << d.summary;
    EXPECT_NE(d.summary.find("watch at least 1 min more"), std::string::npos) << d.summary;
}

TEST(RuntimeHeap, CountsThatDoNotMatchTheSamplesGiveNoLevels) {
    ProcessSeries::RuntimeHeap heap = simulate(leaking_registry());
    heap.collections.pop_back();
    EXPECT_TRUE(detail::levels_after_collections(heap).empty());
    EXPECT_FALSE(detail::runtime_heap_leak(heap, 0, {}));
}

TEST(RuntimeHeap, AddsTheLeakThatRssCannotShowYetAndProjectsToTheMaximumHeap) {
    // RSS as a JVM's under a slow tracker: a warm-up to 120 MB, then flat, as committed pages are reused.
    ProcessSeries series;
    series.rss = make_series(200, 0.1, [](double t) { return t < 1.5 ? 80 * t * kMB : 120 * kMB; }, 0.05 * kMB);
    ProcessSeries::RuntimeHeap heap = simulate(leaking_registry());
    heap.used.t_s.resize(200), heap.used.value.resize(200), heap.collections.resize(200), heap.full_collections.resize(200);
    heap.max_bytes = 256 * kMB;
    EXPECT_FALSE(diagnose_process(series).verdict.leak);
    series.runtime_heap = heap;
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_EQ(d.metric, "jvm_heap");
    EXPECT_EQ(d.limit_source, "JVM maximum heap");
    ASSERT_TRUE(d.verdict.time_to_limit_s) << d.verdict.summary;
    // From about 24 MB in use at 20 s to 256 MB at ~1 MB/s: a few minutes, not RSS's machine-sized limit.
    EXPECT_GT(*d.verdict.time_to_limit_s, 120.0);
    EXPECT_LT(*d.verdict.time_to_limit_s, 600.0);
    EXPECT_NE(d.verdict.summary.find("maximum heap"), std::string::npos) << d.verdict.summary;
    EXPECT_EQ(d.trend_evidence, "proven by a full collection");
}

TEST(RuntimeHeap, AJvmWhoseHeapWasNotReadLeavesFlatRssUndecided) {
    // RSS as a JVM's that committed and touched its heap up front (-Xms = -Xmx, AlwaysPreTouch): a
    // warm-up, then flat, whatever happens inside the heap.
    ProcessSeries series;
    series.rss = make_series(200, 0.1, [](double t) { return t < 0.7 ? 300 * t * kMB : 210 * kMB; }, 0.05 * kMB);
    const ProcessDiagnosis read = diagnose_process(series);
    ASSERT_TRUE(read.verdict.decided);
    ASSERT_FALSE(read.verdict.leak);
    EXPECT_FALSE(read.blind_to_jvm_heap);
    series.unread_jvm = true;
    const ProcessDiagnosis blind = diagnose_process(series);
    EXPECT_FALSE(blind.verdict.leak);
    EXPECT_FALSE(blind.verdict.decided) << blind.verdict.summary;
    EXPECT_TRUE(blind.blind_to_jvm_heap);
    ASSERT_TRUE(blind.verdict.watch_more_s);
    EXPECT_GE(*blind.verdict.watch_more_s, 60.0);
    EXPECT_NE(blind.verdict.summary.find("could not read"), std::string::npos) << blind.verdict.summary;
    EXPECT_NE(blind.verdict.summary.find("RSS alone said: "), std::string::npos) << blind.verdict.summary;
    // RSS creeping after its warm-up, too little to call, is undecided as well, and says first why: the
    // heap's figures it could not read, with RSS's own wait kept when that is longer.
    series.rss = make_series(200, 0.1, [](double t) { return t < 0.7 ? 300 * t * kMB : 210 * kMB + 1.1e3 * (t - 0.7); }, 0.002 * kMB);
    const ProcessDiagnosis creeping_read = [&] {
        ProcessSeries read_series = series;
        read_series.unread_jvm = false;
        return diagnose_process(read_series);
    }();
    ASSERT_FALSE(creeping_read.verdict.decided) << "the premise: " << creeping_read.verdict.summary;
    const ProcessDiagnosis creeping = diagnose_process(series);
    EXPECT_FALSE(creeping.verdict.leak);
    EXPECT_FALSE(creeping.verdict.decided);
    EXPECT_TRUE(creeping.blind_to_jvm_heap);
    EXPECT_NE(creeping.verdict.summary.find("could not read"), std::string::npos) << creeping.verdict.summary;
    ASSERT_TRUE(creeping.verdict.watch_more_s && creeping_read.verdict.watch_more_s);
    EXPECT_GE(*creeping.verdict.watch_more_s, *creeping_read.verdict.watch_more_s);
    // RSS that grows is a leak all the same: the unread heap takes nothing away from what RSS shows.
    series.rss = make_series(200, 0.1, [](double t) { return 100 * kMB + 2 * kMB * t; }, 0.05 * kMB);
    const ProcessDiagnosis growing = diagnose_process(series);
    EXPECT_TRUE(growing.verdict.leak) << growing.verdict.summary;
    EXPECT_FALSE(growing.blind_to_jvm_heap);
}

TEST(RuntimeHeap, AProofTooShortForAPaceTurnsNoLeakIntoUndecided) {
    // RSS flat (a JVM's committed heap already resident), the heap's full collection proves growth with
    // only two levels: the verdict waits instead of saying "no leak".
    ProcessSeries series;
    series.rss = make_series(120, 0.1, [](double) { return 120 * kMB; }, 0.05 * kMB);
    ProcessSeries::RuntimeHeap heap;
    heap.used = {.t_s = {0, 4, 5, 9, 10, 12}, .value = {6e6, 10.6e6, 11e6, 14.6e6, 13.2e6, 15e6}};
    heap.collections = {5, 6, 6, 6, 7, 7};
    heap.full_collections = {0, 0, 0, 0, 1, 1};
    ASSERT_TRUE(diagnose_process(series).verdict.decided);
    series.runtime_heap = heap;
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_FALSE(d.verdict.leak);
    EXPECT_FALSE(d.verdict.decided) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.watch_more_s);
    EXPECT_EQ(d.metric, "jvm_heap");
    EXPECT_FALSE(d.verdict.time_to_limit_s);
}

// A G1 heap sampled every 0.1 s: one marking cycle every 4 s; before it, two young collections leave the
// level 8 and 12 MB above the cycle's low (what was promoted since), its remark pause, then a mixed
// collection that reclaims down to the low. The lows are given, one per cycle.
ProcessSeries::RuntimeHeap g1_cycles(const std::vector<double>& lows_mb) {
    ProcessSeries::RuntimeHeap heap;
    double collections = 0, marking = 0, level = lows_mb.front() * kMB;
    for (std::size_t cycle = 0; cycle < lows_mb.size(); ++cycle) {
        const double low = lows_mb[cycle] * kMB;
        for (int tick = 0; tick < 40; ++tick) {
            const double t = 4.0 * static_cast<double>(cycle) + 0.1 * tick;
            if (tick == 10 || tick == 20) {  // young collections: the level climbs
                ++collections;
                level = low + (tick == 10 ? 8 : 12) * kMB;
            } else if (tick == 30) {  // the remark pause
                ++collections;
                ++marking;
                level = low + 13 * kMB;
            } else if (tick == 35) {  // the mixed collection after it
                ++collections;
                level = low;
            } else {
                level += 0.05 * kMB;  // allocation into eden between collections
            }
            heap.used.t_s.push_back(t);
            heap.used.value.push_back(level);
            heap.collections.push_back(collections);
            heap.full_collections.push_back(0);
            heap.marking_pauses.push_back(marking);
        }
    }
    heap.committed_bytes = 256 * kMB;
    heap.max_bytes = 256 * kMB;
    return heap;
}

TEST(RuntimeHeap, G1LowsThatClimbEverSlowerAreACacheStillFillingNotALeak) {
    // The LRU cache of tests/e2e/jvm/HeapService.java still filling at the end of a loaded run left
    // these lows after its marking cycles; read as a climb they were a 1.27 MB/s leak.
    // Every low above the one before is no return to a band either: undecided, watching as long again.
    const auto filling = detail::runtime_heap_leak(g1_cycles({33.3, 46.5, 55.9, 57.4, 61.8}), 0, {});
    ASSERT_TRUE(filling);
    EXPECT_FALSE(filling->diagnosis.leak) << filling->diagnosis.summary;
    EXPECT_FALSE(filling->diagnosis.decided) << filling->diagnosis.summary;
    ASSERT_TRUE(filling->diagnosis.watch_more_s);
    EXPECT_GE(*filling->diagnosis.watch_more_s, 16.0) << filling->diagnosis.summary;  // the lows spanned 4 cycles of 4 s
    EXPECT_NE(filling->diagnosis.summary.find("ever slower"), std::string::npos) << filling->diagnosis.summary;
    // Lows that fell back once are a band the reclamations return to: no finding, RSS's verdict stands.
    EXPECT_FALSE(detail::runtime_heap_leak(g1_cycles({33.3, 46.5, 55.9, 54.1, 56.0}), 0, {}));
    // The same number of lows climbing at one pace (9 MB per 4 s cycle, from the same start) is a leak.
    const auto leak = detail::runtime_heap_leak(g1_cycles({33.3, 42.3, 51.3, 60.3, 69.3}), 0, {});
    ASSERT_TRUE(leak);
    EXPECT_TRUE(leak->diagnosis.leak) << leak->diagnosis.summary;
    EXPECT_NEAR(leak->diagnosis.steady_rate_bytes_per_s, 9 * kMB / 4, 0.4 * kMB) << leak->diagnosis.summary;
}

TEST(RuntimeHeap, SixG1LowsRisingAtOnePaceAreALeakWhateverTheCorrectedTrendTestSays) {
    // tests/e2e/jvm/HeapService.java's fast leak in a clean clone's suite (session 26): six lows after its
    // marking cycles, 6.2-6.4 MB apart. The trend test's variance correction took an AR(1) coefficient of
    // 0.98 from the five steps' differences and gave p = 0.093, and the lows read "climbed ... but ever
    // slower, as a cache that is still filling does": undecided, where each rose above the last at one pace.
    const auto leak = detail::runtime_heap_leak(g1_cycles({31.7, 38.1, 44.5, 50.7, 56.9, 63.2}), 0, {});
    ASSERT_TRUE(leak);
    EXPECT_TRUE(leak->diagnosis.leak) << leak->diagnosis.summary;
    EXPECT_TRUE(leak->diagnosis.decided) << leak->diagnosis.summary;
    EXPECT_NEAR(leak->diagnosis.steady_rate_bytes_per_s, 6.3 * kMB / 4, 0.3 * kMB) << leak->diagnosis.summary;
    // Six that rise at every step but slow by half are no leak, as before: a cache filling.
    const auto filling = detail::runtime_heap_leak(g1_cycles({33.3, 46.5, 55.9, 57.4, 59.8, 61.0}), 0, {});
    EXPECT_FALSE(filling && filling->diagnosis.leak) << filling->diagnosis.summary;
}

TEST(RuntimeHeap, SixG1LowsThatSlowFromAFillAreNoLeakWhenTheirThirdsSettle) {
    // tests/e2e/jvm/HeapService.java's LRU cache in a loaded suite (session 30): lows 32.9, 45.9, 53.9,
    // 55.3, 56.5, 59.1 MB (the report's MB; given here in the helper's unit, the same shape), rising at
    // every step but by 13.0, 8.0, 1.4, 1.2 and 2.6 MB. The trend test passed (p = 0.036), and the thirds
    // test took the upper of each pair for its median (45.9, 55.3, 59.1 MB), so the last third rose 3.8 MB
    // over the middle, above a third of the middle's 9.4 over the first: "Leak in the JVM's heap ... 3.34
    // GB/h, the 134 MB limit in 1 min 6 s". Their medians are 39.4, 54.6 and 57.8 MB: the last third rose
    // 3.2 MB where the middle rose 15.2, a fill levelling off.
    const auto filling = detail::runtime_heap_leak(g1_cycles({32.9, 45.9, 53.9, 55.3, 56.5, 59.1}), 0, {});
    EXPECT_FALSE(filling && filling->diagnosis.leak) << filling->diagnosis.summary;
    // Six lows that keep climbing in their last third as in their first, unevenly, are a leak.
    const auto leak = detail::runtime_heap_leak(g1_cycles({32.9, 45.9, 50.1, 55.3, 63.5, 69.1}), 0, {});
    ASSERT_TRUE(leak);
    EXPECT_TRUE(leak->diagnosis.leak) << leak->diagnosis.summary;
}

}  // namespace
}  // namespace leakscope::diagnosis
