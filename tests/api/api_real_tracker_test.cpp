// The library inside a process the real tracker (src/tracker/, preloaded by CTest) watches: exact
// requested bytes instead of glibc's chunk sizes, and each measured cycle counted as a tracker event.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <vector>

#include "leakscope/leakscope.hpp"
#include "tracker/tracker_abi.h"

namespace {

struct Record {  // 24 bytes: the leak per cycle below
    Record* next;
    double value;
    double error;
};
static_assert(sizeof(Record) == 24);

std::uint64_t tracker_events() {
    const auto query = reinterpret_cast<leakscope_tracker_query_fn>(dlsym(RTLD_DEFAULT, "leakscope_tracker_query"));
    leakscope_tracker_stats stats{};
    stats.struct_size = sizeof stats;
    return query && query(&stats) == 0 ? stats.events : 0;
}

TEST(ApiRealTracker, TrackerIsLoaded) { ASSERT_EQ(leakscope_tracker_present(), 1) << "run with LD_PRELOAD"; }

TEST(ApiRealTracker, RequestedBytesPerCycleExactly) {
    Record* head = nullptr;
    std::vector<char> warm;
    const std::uint64_t events_before = tracker_events();
    const auto result = leakscope::measure_cycles(1000, [&] {
        if (warm.empty()) warm.resize(1 << 20);
        std::vector<int> scratch(100, 1);  // freed each cycle
        head = new Record{head, 1, 2};
    });
    EXPECT_EQ(result.source, "tracker");
    EXPECT_TRUE(result.leak) << result;
    EXPECT_NEAR(result.bytes_per_cycle, 24.0, 0.5) << "the tracker counts requested bytes, not chunks: " << result;
    EXPECT_GT(result.warmup_bytes, 0.9 * (1 << 20)) << result;
    EXPECT_EQ(tracker_events() - events_before, 1000u) << "each cycle is one event for the leakscope report";
    while (head) delete std::exchange(head, head->next);
}

TEST(ApiRealTracker, CleanBodyIsNotALeak) {
    const auto result = leakscope::measure_cycles(1000, [] { std::vector<double> scratch(64, 0.5); });
    EXPECT_EQ(result.source, "tracker");
    EXPECT_FALSE(result.leak) << result;
}

}  // namespace
