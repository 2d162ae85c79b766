// A warm-up the verdict takes from RSS beside a flat heap says whose it is, and when most of it came.
#include <gtest/gtest.h>

#include <string>

#include "analysis/analysis.hpp"
#include "recording/recording_reader.hpp"

namespace leakscope::analysis {
namespace {

TEST(WarmupOfRss, SaysWhoseAndWhenMostOfItCame) {
    // tests/data/recordings/py_csv_batch_sawtooth.py under full tracking (s17 real programs): CPython's
    // start-up and the first batches took RSS to 18 MB within 0.5 s and 20.8 MB by 10 s; the heap with the
    // arenas the tracker saw mapped rose 4.5 -> 6.7 MB by 4 s, then flat (the heap alone: 1.4 MB throughout).
    // The summary read "One-time warm-up of 18.3 MB in the first 5.7 s, then flat" on the live heap.
    const Analysis a = analyze(recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/py_csv_batch_sawtooth_tracked.lks"), {});
    const diagnosis::Diagnosis& v = a.process.verdict;
    ASSERT_FALSE(v.leak) << v.summary;
    ASSERT_EQ(a.process.metric, "live_heap");
    ASSERT_EQ(v.warmup_bytes, a.process.rss.warmup_bytes) << "the premise: the warm-up told is RSS's";
    EXPECT_NE(v.summary.find(" of RSS (90% of it in the first "), std::string::npos) << v.summary;
    // And the figures say so too: JSON's growth.warmup_bytes beside metric "live_heap" read as the heap's
    // warm-up (a held-out batch's engineer took 23 MB of "warm-up" over heaps of 17-20 MB for a bug).
    EXPECT_EQ(a.process.warmup_metric, "rss");
}

TEST(WarmupOfRss, AHeapsOwnWarmupNamesNoOtherSeries) {
    const Analysis a = analyze(recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/periodic_batch_ended_at_rest.lks"), {});
    ASSERT_EQ(a.process.metric, "live_heap");
    EXPECT_EQ(a.process.warmup_metric, "");
}

}  // namespace
}  // namespace leakscope::analysis
