// measure_cycles / measure_steps on the glibc heap (no tracker in this test binary): warm-up, steady
// leaks of a few bytes, bounded histories, sampling stride and bad input.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "leakscope/cycles.hpp"

namespace {

// A singly linked list of 8-byte nodes: the smallest leak glibc can make (one 32-byte chunk per node)
// without a container whose own growth would add a staircase of its own.
struct Node {
    Node* next;
};

struct LeakyList {
    Node* head = nullptr;
    void leak_one() { head = new Node{head}; }
    ~LeakyList() {
        while (head) delete std::exchange(head, head->next);
    }
};

// Allocates and frees a realistic mix every cycle, keeping nothing.
void churn() {
    std::map<int, std::string> table;
    for (int i = 0; i < 20; ++i) table.emplace(i, std::string(100 + i, 'x'));
    std::vector<double> samples(300, 1.0);
    auto owned = std::make_unique<std::vector<int>>(50, 7);
    (void)samples;
}

TEST(ApiCycles, CleanBodyIsNotALeak) {
    const auto result = leakscope::measure_cycles(1000, [] { churn(); });
    EXPECT_FALSE(result.leak) << result;
    EXPECT_EQ(result.source, "mallinfo2");
    EXPECT_EQ(result.cycles, 1000u);
    EXPECT_LT(result.bytes_per_cycle, 1.0) << result;
    EXPECT_NE(result.pattern, leakscope::Pattern::insufficient_data);
}

TEST(ApiCycles, FewBytesPerCycleIsALeak) {
    LeakyList list;
    const auto result = leakscope::measure_cycles(1000, [&] {
        churn();
        list.leak_one();
    });
    EXPECT_TRUE(result.leak) << result;
    // glibc hands out 32-byte chunks for an 8-byte request; mallinfo2 counts chunks. (In a heap other
    // tests fragmented, a node now and then takes a 48-byte chunk: the rate can sit just above 32.)
    EXPECT_GE(result.bytes_per_cycle, 31.9) << result;
    EXPECT_LE(result.bytes_per_cycle, 33.0) << result;
    EXPECT_LE(result.ci_low, result.bytes_per_cycle);
    EXPECT_GE(result.ci_high, result.bytes_per_cycle);
    // Plus what the first cycle's churn leaves behind in malloc's caches (a one-time warm-up).
    EXPECT_GE(result.total_growth_bytes, 32.0 * 1000);
}

TEST(ApiCycles, OneTimeWarmupIsNotALeak) {
    // A cache that fills to capacity in the first 40 cycles, then stays: 40 x 16 KiB.
    std::map<int, std::string> cache;
    int cycle = 0;
    const auto result = leakscope::measure_cycles(1000, [&] {
        churn();
        if (cache.size() < 40) cache.emplace(cycle, std::string(16 * 1024, 'c'));
        ++cycle;
    });
    EXPECT_FALSE(result.leak) << result;
    EXPECT_GT(result.warmup_bytes, 0.8 * 40 * 16 * 1024) << result;
    EXPECT_LT(result.warmup_bytes, 1.5 * 40 * 16 * 1024) << result;
    EXPECT_GE(result.warmup_cycles, 30) << result;
    EXPECT_LE(result.warmup_cycles, 200) << result;
    EXPECT_LT(result.bytes_per_cycle, 1.0) << result;
}

TEST(ApiCycles, SmallLeakBehindALargeWarmupIsStillALeak) {
    std::vector<char> jit_cache;
    LeakyList list;
    const auto result = leakscope::measure_cycles(1000, [&] {
        if (jit_cache.empty()) jit_cache.resize(8 << 20);  // one-time 8 MiB, like a JIT
        churn();
        list.leak_one();
    });
    EXPECT_TRUE(result.leak) << result;
    EXPECT_NEAR(result.bytes_per_cycle, 32.0, 2.0) << result;
    EXPECT_GT(result.warmup_bytes, 7.5 * (1 << 20)) << result;
}

TEST(ApiCycles, BoundedHistoryIsNotALeak) {
    // A history list capped at 1000 entries and truncated to 500: a sawtooth, not growth.
    std::vector<std::string> history;
    const auto result = leakscope::measure_steps(6000, [&] {
        history.emplace_back(64, 'h');
        if (history.size() >= 1000) history.erase(history.begin(), history.begin() + 500);
    });
    EXPECT_FALSE(result.leak) << result;
    EXPECT_EQ(result.unit, "step");
}

TEST(ApiCycles, SnapshotsAtTheRequestedCycles) {
    LeakyList list;
    const auto result = leakscope::measure_cycles(1000, [&] { list.leak_one(); });
    ASSERT_EQ(result.snapshots.size(), 4u);
    EXPECT_EQ(result.snapshots[0].cycle, 0u);
    EXPECT_EQ(result.snapshots[1].cycle, 100u);
    EXPECT_EQ(result.snapshots[2].cycle, 500u);
    EXPECT_EQ(result.snapshots[3].cycle, 1000u);
    EXPECT_NEAR(result.snapshots[3].live_bytes - result.snapshots[2].live_bytes, 500 * 32.0, 64.0);
}

TEST(ApiCycles, LongRunsAreReadWithAStride) {
    leakscope::MeasureOptions options;
    options.max_points = 500;
    int steps = 0;
    const auto result = leakscope::measure_steps(10000, [&] { ++steps; }, options);
    EXPECT_EQ(steps, 10000);
    EXPECT_LE(result.series_cycle.size(), 500u);
    EXPECT_GE(result.series_cycle.size(), 400u);
    ASSERT_FALSE(result.series_cycle.empty());
    EXPECT_EQ(result.series_cycle.front(), 0.0);
    EXPECT_EQ(result.series_cycle.back(), 10000.0);
    EXPECT_EQ(result.series_cycle.size(), result.series_bytes.size());
}

TEST(ApiCycles, ZeroCyclesIsInsufficientData) {
    int calls = 0;
    const auto result = leakscope::measure_cycles(0, [&] { ++calls; });
    EXPECT_EQ(calls, 0);
    EXPECT_FALSE(result.leak);
    EXPECT_EQ(result.pattern, leakscope::Pattern::insufficient_data);
    EXPECT_FALSE(result.summary.empty());
}

TEST(ApiCycles, TrackerSourceWithoutTrackerSaysSo) {
    leakscope::MeasureOptions options;
    options.source = leakscope::HeapSource::tracker;
    int calls = 0;
    const auto result = leakscope::measure_cycles(10, [&] { ++calls; }, options);
    EXPECT_EQ(calls, 0) << "nothing to measure with, so the body is not run";
    EXPECT_EQ(result.pattern, leakscope::Pattern::insufficient_data);
    EXPECT_NE(result.summary.find("leakscope run"), std::string::npos) << result.summary;
}

TEST(ApiCycles, DescribeGivesRateWarmupAndPattern) {
    std::vector<char> warm;
    LeakyList list;
    const auto result = leakscope::measure_cycles(500, [&] {
        if (warm.empty()) warm.resize(1 << 20);
        list.leak_one();
    });
    const std::string text = leakscope::describe(result);
    EXPECT_NE(text.find("per cycle"), std::string::npos) << text;
    EXPECT_NE(text.find("warm-up"), std::string::npos) << text;
    EXPECT_NE(text.find(std::string(leakscope::to_string(result.pattern))), std::string::npos) << text;
}

TEST(ApiCycles, ConstCallableIsAccepted) {
    int calls = 0;
    const auto body = [&calls] { ++calls; };
    (void)leakscope::measure_cycles(20, body);
    EXPECT_EQ(calls, 20);
}

}  // namespace
