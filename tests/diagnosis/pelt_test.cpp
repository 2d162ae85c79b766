#include "diagnosis/pelt.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

namespace leakscope::diagnosis {
namespace {

std::vector<double> indices(std::size_t n) {
    std::vector<double> x(n);
    std::iota(x.begin(), x.end(), 0.0);
    return x;
}
double wiggle(std::size_t i) { return 0.3 * std::sin(static_cast<double>(i) * 2.1) + 0.2 * std::cos(static_cast<double>(i) * 5.3); }

TEST(Pelt, StraightNoisyLineIsOneSegment) {
    const auto x = indices(300);
    std::vector<double> y(300);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 5 + 0.7 * x[i] + wiggle(i);
    const auto segments = pelt_linear_segments(x, y, {.noise_sigma = 0.3});
    ASSERT_EQ(segments.size(), 1u);
    EXPECT_NEAR(segments[0].slope, 0.7, 0.01);
}

TEST(Pelt, FindsTheWarmupKnee) {
    // Ramp of 2/sample for 80 samples, then flat: one change point at 80.
    const auto x = indices(300);
    std::vector<double> y(300);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 2.0 * std::min<double>(x[i], 80) + wiggle(i);
    const auto segments = pelt_linear_segments(x, y, {.noise_sigma = 0.3});
    ASSERT_EQ(segments.size(), 2u);
    EXPECT_NEAR(static_cast<double>(segments[1].begin), 80, 2);
    EXPECT_NEAR(segments[1].slope, 0.0, 0.01);
}

TEST(Pelt, FindsEveryStep) {
    const auto x = indices(400);
    std::vector<double> y(400);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 10.0 * static_cast<double>(i / 100) + wiggle(i);
    const auto segments = pelt_linear_segments(x, y, {.noise_sigma = 0.3});
    ASSERT_EQ(segments.size(), 4u);
    for (std::size_t k = 1; k < 4; ++k) {
        EXPECT_EQ(segments[k].begin, 100 * k);
        EXPECT_NEAR(segments[k].level_at_begin - segments[k - 1].level_at_end, 10.0, 0.5);
    }
}

TEST(Pelt, SegmentsCoverTheInputInOrder) {
    const auto x = indices(7);
    const std::vector<double> y{1, 9, 2, 8, 3, 7, 4};
    const auto segments = pelt_linear_segments(x, y, {.noise_sigma = 0.01});
    ASSERT_FALSE(segments.empty());
    EXPECT_EQ(segments.front().begin, 0u);
    EXPECT_EQ(segments.back().end, 7u);
    for (std::size_t k = 1; k < segments.size(); ++k) EXPECT_EQ(segments[k].begin, segments[k - 1].end);
    EXPECT_TRUE(pelt_linear_segments(std::vector<double>{}, std::vector<double>{}, {}).empty());
}

}  // namespace
}  // namespace leakscope::diagnosis
