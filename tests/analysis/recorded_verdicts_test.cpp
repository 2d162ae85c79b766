// Verdicts on recordings kept from the accuracy corpus's runs (tests/data/recordings/), where a rule's
// effect depends on every series of a real run together and a generated one would not show it.
#include <gtest/gtest.h>

#include <string>

#include "analysis/analysis.hpp"
#include "recording/recording_reader.hpp"

namespace leakscope::analysis {
namespace {

Analysis analyze_kept(const std::string& name) {
    return analyze(recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/" + name), {});
}

TEST(RecordedVerdicts, SampledHeapWithinTheCachesBesideRssFillingMappedMemoryIsUndecided) {
    // examples/patterns/order_book_churn_flat.cpp under --sample-bytes 512K (session 13): no leak by
    // construction. RSS crept 3.1 kB/s, its private writable mappings flat with 8.7 MB of them not yet
    // resident; the allocator's in-use figure (sampled mode's heap) rose ~42 kB, less than the threads'
    // glibc caches hold. Together they read "Leak: steady growth of 12.5 MB/h"; neither proves a leak.
    const Analysis a = analyze_kept("order_book_churn_flat_sampled.lks");
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_FALSE(a.process.verdict.decided) << a.process.verdict.summary;
    EXPECT_TRUE(a.process.verdict.watch_more_s.has_value());
    // Its RSS grew (into mapped memory): the summary says so, not "RSS stayed flat".
    EXPECT_EQ(a.process.verdict.summary.find("RSS stayed flat"), std::string::npos) << a.process.verdict.summary;
    EXPECT_NE(a.process.verdict.summary.find("mapped earlier"), std::string::npos) << a.process.verdict.summary;
}

TEST(RecordedVerdicts, JvmRssStepsBesideLevelFullCollectionsAreUndecided) {
    // examples/patterns/java/SessionPoolFlat.java (a bounded pool, -Xms16m, serial collector) under
    // --no-track (session 15): RSS rose in two steps after its warm-up (3.7 MB: the JVM's own memory),
    // read "Leak 803 MB/h, critical"; its two full collections left 7.73 MB in use each time.
    const Analysis a = analyze_kept("java_session_pool_flat_no_track.lks");
    const diagnosis::Diagnosis& v = a.process.verdict;
    EXPECT_FALSE(v.leak) << v.summary;
    EXPECT_FALSE(v.decided) << v.summary;
    ASSERT_TRUE(v.watch_more_s.has_value());
    EXPECT_GE(*v.watch_more_s, 60.0);
    EXPECT_NE(v.summary.find("full collections left 7.73 MB"), std::string::npos) << v.summary;
    EXPECT_NE(v.summary.find("RSS alone said: Leak"), std::string::npos) << v.summary;
}

}  // namespace
}  // namespace leakscope::analysis
