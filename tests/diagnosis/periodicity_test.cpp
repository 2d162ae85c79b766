#include "diagnosis/periodicity.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace leakscope::diagnosis {
namespace {

TEST(Periodicity, FindsTheSawtoothPeriodOverATrend) {
    std::vector<double> y(600);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<double>(i % 40) + 0.05 * static_cast<double>(i);
    const auto period = detect_period(y);
    ASSERT_TRUE(period.has_value());
    EXPECT_EQ(period->lag, 40u);
}

TEST(Periodicity, NoneInNoiseOrARamp) {
    std::vector<double> noise(500), ramp(500);
    std::uint64_t state = 99;
    for (std::size_t i = 0; i < noise.size(); ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        noise[i] = static_cast<double>(state >> 11) * 0x1.0p-53;
        ramp[i] = std::sqrt(static_cast<double>(i));
    }
    EXPECT_FALSE(detect_period(noise).has_value());
    EXPECT_FALSE(detect_period(ramp).has_value());
    EXPECT_FALSE(detect_period(std::vector<double>{1, 2, 3}).has_value());
}

}  // namespace
}  // namespace leakscope::diagnosis
