// The JVM's heap as series: only the samples that carry it, the points right after collections, and
// the sentence the reports show.
#include "analysis/runtime_heap.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leakscope::analysis {
namespace {

SamplePoint jvm_sample(double t, std::uint64_t used, std::uint64_t old_gen, std::uint64_t young, std::uint64_t full) {
    SamplePoint p;
    p.t_s = t;
    p.rss = 200'000'000;
    p.runtime_heap_used = used;
    p.runtime_heap_committed = 184'500'000;
    p.runtime_heap_max = 536'870'912;
    p.runtime_old_gen_used = old_gen;
    p.runtime_metaspace_used = 9'700'000;
    p.runtime_young_gcs = young;
    p.runtime_full_gcs = full;
    p.runtime_concurrent_gcs = 0;
    return p;
}

TEST(RuntimeHeap, NoSeriesWithoutAJvm) {
    Recording r;
    r.samples.resize(5);
    EXPECT_FALSE(runtime_heap_series(r));
}

TEST(RuntimeHeap, KeepsTheSamplesThatCarryTheHeap) {
    Recording r;
    r.samples.push_back(SamplePoint{});  // before the JVM made its counters accessible
    r.samples.push_back(jvm_sample(0.1, 10, 0, 0, 0));
    r.samples.back().runtime_metaspace_used = kUnknownBytes;
    r.samples.push_back(jvm_sample(0.2, 20, 5, 1, 0));
    const auto s = runtime_heap_series(r);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->size(), 2u);
    EXPECT_EQ(s->t_s[0], 0.1);
    EXPECT_TRUE(std::isnan(s->metaspace_used[0]));
    EXPECT_EQ(s->heap_used[1], 20);
    EXPECT_EQ(s->young_gcs[1], 1u);
}

TEST(RuntimeHeap, TheDiagnosisGetsUsedBytesCollectionCountsAndTheMaximum) {
    Recording r;
    r.samples = {SamplePoint{}, jvm_sample(1, 30, 10, 2, 0), jvm_sample(2, 12, 11, 3, 1)};
    r.samples[2].runtime_concurrent_gcs = 4;
    EXPECT_FALSE(runtime_heap_for_diagnosis(std::span(r.samples).first(1)));
    const auto heap = runtime_heap_for_diagnosis(r.samples);
    ASSERT_TRUE(heap);
    EXPECT_EQ(heap->used.t_s, (std::vector<double>{1, 2}));
    EXPECT_EQ(heap->used.value, (std::vector<double>{30, 12}));
    EXPECT_EQ(heap->collections, (std::vector<double>{2, 8}));  // young + full + concurrent
    EXPECT_EQ(heap->full_collections, (std::vector<double>{0, 1}));
    EXPECT_EQ(heap->max_bytes, 536'870'912);
}

TEST(RuntimeHeap, SentenceStatesTheLastFiguresInDecimalUnits) {
    Recording r;
    r.samples = {jvm_sample(0, 49'100'000, 49'100'000, 8, 3)};
    EXPECT_EQ(runtime_heap_sentence(*runtime_heap_series(r)),
              "The JVM's heap: used 49.1 MB of 184 MB committed (max 537 MB); old generation 49.1 MB, metaspace "
              "9.70 MB; 8 young, 3 full collections.");
    r.samples[0].runtime_concurrent_gcs = 4;
    r.samples[0].runtime_metaspace_used = kUnknownBytes;
    EXPECT_EQ(runtime_heap_sentence(*runtime_heap_series(r)),
              "The JVM's heap: used 49.1 MB of 184 MB committed (max 537 MB); old generation 49.1 MB; 8 young, 3 "
              "full collections, 4 concurrent-cycle pauses.");
}

}  // namespace
}  // namespace leakscope::analysis
