// A JVM's leak judged from RSS alone is projected to its maximum heap (-Xmx), not to the machine's memory.
#include <gtest/gtest.h>

#include <string>

#include "analysis/analysis.hpp"
#include "recording/recording_reader.hpp"

namespace leakscope::analysis {
namespace {

TEST(MaximumHeapRecorded, CancelledTimeoutsUnderXmx256mRunOutOfHeapWithinTheHour) {
    // tests/data/recordings/CancelledTimeouts.java (java -Xms16m -Xmx256m, 90 s under --no-track, s17 real
    // programs): cancelled tasks kept in the timer's queue, old generation growing ~90 kB/s (-Xlog:gc). The
    // report read "the 25.3 GB limit is reached in 2.5 days" beside "max 268 MB" on its jvm row.
    const Analysis a =
        analyze(recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/java_cancelled_timeouts_leak_90s_no_track.lks"), {});
    const diagnosis::Diagnosis& v = a.process.verdict;
    ASSERT_TRUE(v.leak) << v.summary;
    EXPECT_EQ(a.limit_source, "JVM maximum heap");
    ASSERT_TRUE(v.limit_bytes);
    EXPECT_NEAR(*v.limit_bytes, 268e6, 1e6);
    ASSERT_TRUE(v.time_to_limit_s) << v.summary;
    // 9 MB surviving at 90 s, climbing ~90 kB/s: the heap is full in about 48 min.
    EXPECT_GT(*v.time_to_limit_s, 30 * 60.0) << v.summary;
    EXPECT_LT(*v.time_to_limit_s, 60 * 60.0) << v.summary;
    EXPECT_NE(v.summary.find("OutOfMemoryError"), std::string::npos) << v.summary;
}

}  // namespace
}  // namespace leakscope::analysis
