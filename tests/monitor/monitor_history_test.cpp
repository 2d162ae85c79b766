// TieredHistory: bounded for months, reaches back to the first observation, loses no observation's
// weight, keeps time in order.
#include <gtest/gtest.h>

#include <cmath>

#include "monitor/tiered_history.hpp"

namespace {

using leakscope::detail::HistoryPoint;
using leakscope::detail::TieredHistory;

constexpr double kDay = 86400;

TEST(MonitorHistory, RecentObservationsStayAtFullResolution) {
    TieredHistory history(16, 4, 0);
    for (int i = 0; i < 10; ++i) history.add(i, i * 10.0, std::nullopt);
    const auto points = history.points();
    ASSERT_EQ(points.size(), 10u);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(points[i].count, 1u);
        EXPECT_EQ(points[i].t_first, i);
        EXPECT_EQ(points[i].value_mean(), i * 10.0);
    }
}

TEST(MonitorHistory, SixMonthsAtThirtySecondsStayBounded) {
    TieredHistory history(256, 8, 1.0);
    const double end = 180 * kDay;
    double value_total = 0;
    std::uint64_t observations = 0;
    std::size_t largest = 0;
    for (double t = 0; t < end; t += 30) {
        const double value = 1e6 + t;  // grows 1 B/s
        history.add(t, value, value / 100);
        value_total += value;
        ++observations;
        largest = std::max(largest, history.size());
    }
    EXPECT_EQ(history.observations(), observations);
    EXPECT_LE(largest, history.capacity());
    EXPECT_LE(history.capacity(), 256u * 8u);

    const auto points = history.points();
    EXPECT_EQ(points.front().t_first, 0.0) << "the history still reaches back to the first observation";
    EXPECT_NEAR(points.back().t_last, end - 30, 30);
    EXPECT_EQ(points.back().count, 1u) << "the newest point is a raw observation";
    std::uint64_t weight = 0;
    double sum = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        weight += points[i].count;
        sum += points[i].value_sum;
        if (i > 0) {
            EXPECT_LT(points[i - 1].t_last, points[i].t_first);
        }
        EXPECT_LE(points[i].value_min, points[i].value_mean());
        EXPECT_GE(points[i].value_max, points[i].value_mean());
        // A merged point of a linear series sits on the line at its mean time.
        EXPECT_NEAR(points[i].value_mean(), 1e6 + points[i].t_mean(), 1e-3);
        ASSERT_TRUE(points[i].entries_mean());
        EXPECT_NEAR(*points[i].entries_mean(), points[i].value_mean() / 100, 1e-3);
    }
    EXPECT_EQ(weight, observations) << "merging keeps every observation's weight";
    EXPECT_NEAR(sum, value_total, 1e-9 * value_total);
}

TEST(MonitorHistory, BurstsCoalesceIntoOnePoint) {
    TieredHistory history(16, 2, 1.0);
    for (int i = 0; i < 1000; ++i) history.add(5.0 + i * 1e-4, i, std::nullopt);  // 0.1 s of pushes
    ASSERT_EQ(history.size(), 1u);
    const HistoryPoint& point = history.newest();
    EXPECT_EQ(point.count, 1000u);
    EXPECT_EQ(point.value_min, 0);
    EXPECT_EQ(point.value_max, 999);
    EXPECT_EQ(point.value_last, 999);
    EXPECT_NEAR(point.value_mean(), 499.5, 1e-9);
}

TEST(MonitorHistory, TimeGoingBackwardsMergesIntoTheNewestPoint) {
    TieredHistory history(16, 2, 0);
    history.add(10, 1, std::nullopt);
    history.add(20, 2, std::nullopt);
    history.add(15, 3, std::nullopt);  // a late push from another thread
    const auto points = history.points();
    ASSERT_EQ(points.size(), 2u);
    EXPECT_EQ(points[1].count, 2u);
    EXPECT_EQ(points[1].t_first, 20);
    EXPECT_EQ(points[1].t_last, 20);
}

TEST(MonitorHistory, EntriesAreOptionalPerObservation) {
    TieredHistory history(4, 2, 0);
    history.add(0, 100, std::nullopt);
    EXPECT_FALSE(history.newest().entries_mean());
    for (int i = 1; i < 40; ++i) history.add(i, 100, i % 2 ? std::optional<double>(7) : std::nullopt);
    for (const HistoryPoint& p : history.points())
        if (p.entries_count > 0) {
            EXPECT_EQ(*p.entries_mean(), 7);
        }
}

TEST(MonitorHistory, TinyConfigurationsAreRaisedToWorkingOnes) {
    TieredHistory history(0, 0, -5);
    for (int i = 0; i < 100; ++i) history.add(i, i, std::nullopt);
    EXPECT_LE(history.size(), history.capacity());
    EXPECT_GE(history.capacity(), 4u);
    EXPECT_EQ(history.points().front().t_first, 0);
}

}  // namespace
