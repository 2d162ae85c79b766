// leakscope_event() without the tracker: counts locally, exactly, from many threads; reports no tracker.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "leakscope/events.h"

namespace {

TEST(ApiEvents, NoTrackerInAPlainTestBinary) { EXPECT_EQ(leakscope_tracker_present(), 0); }

TEST(ApiEvents, CountsSingleAndBulkEvents) {
    const uint64_t before = leakscope_event_count();
    leakscope_event();
    leakscope_events(41);
    leakscope_events(0);
    EXPECT_EQ(leakscope_event_count() - before, 42u);
}

TEST(ApiEvents, CountIsExactAcrossThreads) {
    const uint64_t before = leakscope_event_count();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([] {
            for (int i = 0; i < 100000; ++i) leakscope_event();
        });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(leakscope_event_count() - before, 400000u);
}

}  // namespace
