// Growth whose interval clears zero while the rank test of the same points finds no trend: a level that
// wanders is not called a leak on it (undecided.hpp, kTrendUnprovenP).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "diagnosis/diagnosis.hpp"
#include "diagnosis/undecided.hpp"

namespace leakscope::diagnosis {
namespace {

using detail::watch_while_trend_unproven;

TrendTest test(double p_value, double z) {
    TrendTest trend;
    trend.p_value = p_value;
    trend.z = z;
    return trend;
}

SlopeEstimate pace(double slope, double low, double high) {
    SlopeEstimate rate;
    rate.slope = slope;
    rate.ci_low = low;
    rate.ci_high = high;
    return rate;
}

TEST(TrendUnproven, AgreeingTestsDecide) {
    // p at or below 10%: the tests agree, whatever the interval.
    EXPECT_FALSE(watch_while_trend_unproven(test(0.09, 1.7), pace(100e3, 10e3, 190e3), 10));
    EXPECT_FALSE(watch_while_trend_unproven(test(0.10, 1.645), pace(100e3, 10e3, 190e3), 10));
}

TEST(TrendUnproven, ATightIntervalDecidesAlone) {
    // The rank test is the weaker of the two on few points: an interval this tight stands on its own.
    EXPECT_FALSE(watch_while_trend_unproven(test(0.17, 1.38), pace(100e3, 60e3, 140e3), 10));
}

TEST(TrendUnproven, ALooseIntervalTheRankTestDoesNotBackWaits) {
    // noisy_flat under sampled tracking: 396 kB/s (44.7 to 650 kB/s) at p = 0.17 (z = 1.38) over 9.8 s:
    // z grows as the watch to the power 3/2, so 1.96 comes after 26% more of it: 2.6 s, a minute as said.
    const auto more = watch_while_trend_unproven(test(0.167, 1.38), pace(396e3, 44.7e3, 650e3), 9.8);
    ASSERT_TRUE(more);
    EXPECT_EQ(*more, 60.0);
    // An hour watched at z = 1: (1.96 / 1)^(2/3) - 1 = 0.566 of it more, 34 min.
    const auto longer = watch_while_trend_unproven(test(0.32, 1.0), pace(1e3, 100, 2e3), 3600);
    ASSERT_TRUE(longer);
    EXPECT_EQ(*longer, 34 * 60.0);
    // No sign of a trend at all (z = 0) gives no pace to extrapolate: the watch a z of half the level's
    // would need, 2^(2/3) - 1 = 59% of it (600 s: 352 s, 6 min), not for ever.
    const auto no_sign = watch_while_trend_unproven(test(1.0, 0.0), pace(1e3, 100, 2e3), 600);
    ASSERT_TRUE(no_sign);
    EXPECT_EQ(*no_sign, 6 * 60.0);
}

/// A working set of 200 slots of 20-180 kB, 30 of them replaced at random between readings 0.2 s apart
/// (noisy_flat): its total wanders around 20 MB and comes back.
Series wandering_working_set(std::uint64_t seed, std::size_t readings) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> size_kb(20, 180);
    std::uniform_int_distribution<std::size_t> slot(0, 199);
    std::vector<double> slots(200);
    double total = 0;
    for (double& s : slots) total += s = size_kb(rng) * 1000.0;
    Series series;
    for (std::size_t i = 0; i < readings; ++i) {
        for (int k = 0; k < 30; ++k) {
            double& s = slots[slot(rng)];
            total -= s;
            total += s = size_kb(rng) * 1000.0;
        }
        series.t_s.push_back(0.2 * static_cast<double>(i));
        series.value.push_back(total);
    }
    return series;
}

TEST(TrendUnproven, AWanderingWorkingSetIsNoLeakOnALooseIntervalTheRankTestDoesNotBack) {
    // 400 runs of 10 s. Without the rule 42 of them read "Leak" (10.5%: a level that comes back over
    // ~1.3 s is autocorrelated past what the interval's widening estimates from 50 readings); 8 of those
    // had a loose interval the rank test did not back, and wait now. The other 34 are a known weakness:
    // 27 of them the rank test backs too, 7 have intervals whose low end is 0.27-0.62 of the pace.
    std::size_t decided_leaks = 0, waits_for_the_trend = 0;
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
        const Diagnosis d = diagnose(wandering_working_set(seed, 50));
        if (d.leak) {
            ++decided_leaks;
            const bool loose = d.rate_ci_low_bytes_per_s < detail::kLooseLowEndShareOfRate * d.steady_rate_bytes_per_s;
            EXPECT_FALSE(loose && d.trend_p_value > detail::kTrendUnprovenP) << "seed " << seed << ": " << d.summary;
        }
        if (!d.decided && d.summary.find("rank test") != std::string::npos) {
            ++waits_for_the_trend;
            EXPECT_FALSE(d.leak);
            EXPECT_EQ(d.watch_more_s, 60.0) << d.summary;
        }
    }
    EXPECT_GE(waits_for_the_trend, 6u);
    EXPECT_LE(decided_leaks, 36u);
}

}  // namespace
}  // namespace leakscope::diagnosis
