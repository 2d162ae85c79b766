#include "diagnosis/theil_sen.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace leakscope::diagnosis {
namespace {

std::vector<double> indices(std::size_t n) {
    std::vector<double> x(n);
    std::iota(x.begin(), x.end(), 1.0);
    return x;
}

TEST(TheilSen, HandComputedFivePoints) {
    // Pairwise slopes of (1,1) (2,2) (3,4) (4,3) (5,5): -1 .5 .5 .667 1 1 1 1.5 2 2 -> median 1.
    const std::vector<double> x = indices(5), y{1, 2, 4, 3, 5};
    const SlopeEstimate estimate = theil_sen(x, y);
    EXPECT_DOUBLE_EQ(estimate.slope, 1.0);
    EXPECT_DOUBLE_EQ(estimate.intercept, 0.0);  // median of y - x = {0,0,1,-1,0}
    EXPECT_EQ(estimate.pairs_used, 10u);
}

TEST(TheilSen, ReferenceSeriesWithSensInterval) {
    // The Holy Cross "Mann-Kendall by hand" series (n = 14, 91 pairs). Sen (1968) / Gilbert (1987):
    // C = 1.96 sqrt(Var S) = 35.80, M1 = 27.6, M2 = 63.4; bounds are the 28th and 64th smallest slopes.
    const std::vector<double> y{12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7};
    const SlopeEstimate estimate = theil_sen(indices(y.size()), y);
    EXPECT_NEAR(estimate.slope, 0.566667, 1e-6);
    EXPECT_NEAR(estimate.ci_low, 0.325, 1e-9);
    EXPECT_NEAR(estimate.ci_high, 0.866667, 1e-6);
    // Median of y_i - b*i with i counted from 0 is 12.7667 (x starts at 1 here, so subtract one slope).
    EXPECT_NEAR(estimate.intercept + estimate.slope, 12.766667, 1e-5);
}

TEST(TheilSen, SmallSamplesUseKendallsExactDistribution) {
    // Five points each above the one before: S = 10 of 10 pairs, P(S = 10) = 1/120 under no trend, so
    // 95% excludes every slope below the smallest pairwise one (rank 1). The normal approximation put
    // that rank at 0.999 and left the interval open below.
    const std::vector<double> rising{2.43, 2.54, 2.63, 2.71, 2.84};
    const SlopeEstimate five = theil_sen(indices(5), rising);
    EXPECT_NEAR(five.ci_low, 0.08, 1e-9);   // (2.71 - 2.63) / 1, the smallest of the ten slopes
    EXPECT_NEAR(five.ci_high, 0.13, 1e-9);  // (2.84 - 2.71) / 1, the largest
    // Four cannot reach 95% (P(S = 6) = 1/24 > 2.5%): open on both sides.
    const SlopeEstimate four = theil_sen(indices(4), std::vector<double>{2.43, 2.54, 2.63, 2.71});
    EXPECT_TRUE(std::isinf(four.ci_low) && four.ci_low < 0);
    EXPECT_TRUE(std::isinf(four.ci_high) && four.ci_high > 0);
    // Seven points: P(discordant <= 3) = 1 + 6 + 20 + 49 = 76 of 5040 = 1.5%, and <= 4 would be 174 of
    // 5040 = 3.5%, past 2.5%: the bounds are the 4th smallest and the 4th largest of the 21 slopes.
    const std::vector<double> y7{1, 3, 2, 5, 4, 7, 6};
    const SlopeEstimate seven = theil_sen(indices(7), y7);
    std::vector<double> slopes;
    for (std::size_t i = 0; i < 7; ++i)
        for (std::size_t j = i + 1; j < 7; ++j) slopes.push_back((y7[j] - y7[i]) / static_cast<double>(j - i));
    std::sort(slopes.begin(), slopes.end());
    EXPECT_DOUBLE_EQ(seven.ci_low, slopes[3]);
    EXPECT_DOUBLE_EQ(seven.ci_high, slopes[17]);
}

TEST(TheilSen, IgnoresOutliersThatMoveLeastSquares) {
    std::vector<double> x = indices(100), y(100);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 3.0 * x[i] + 10 + ((i * 7919) % 13) * 0.01;
    for (std::size_t i = 0; i < y.size(); i += 5) y[i] += 1e6;  // 20% wild outliers
    EXPECT_NEAR(theil_sen(x, y).slope, 3.0, 0.01);
}

TEST(TheilSen, InflationWidensTheIntervalOnly) {
    std::vector<double> x = indices(60), y(60);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 0.5 * x[i] + std::sin(static_cast<double>(i) * 1.3) * 4;
    const SlopeEstimate plain = theil_sen(x, y);
    const SlopeEstimate inflated = theil_sen(x, y, {.variance_inflation = 6.0});
    EXPECT_DOUBLE_EQ(plain.slope, inflated.slope);
    EXPECT_LT(inflated.ci_low, plain.ci_low);
    EXPECT_GT(inflated.ci_high, plain.ci_high);
}

TEST(TheilSen, PairSubsetOnLongSeriesIsCloseAndDeterministic) {
    const std::size_t n = 5000;  // 12.5M pairs: the fixed-seed subset is used
    std::vector<double> x = indices(n), y(n);
    for (std::size_t i = 0; i < n; ++i) y[i] = 2.0 * x[i] + 50.0 * std::sin(static_cast<double>(i) * 0.37);
    const SlopeEstimate first = theil_sen(x, y);
    const SlopeEstimate second = theil_sen(x, y);
    EXPECT_LT(first.pairs_used, n * (n - 1) / 2);
    EXPECT_NEAR(first.slope, 2.0, 0.01);
    EXPECT_EQ(first.slope, second.slope);
    EXPECT_EQ(first.ci_low, second.ci_low);
    EXPECT_LT(first.ci_low, 2.0);
    EXPECT_GT(first.ci_high, 2.0);
}

TEST(TheilSen, DegenerateInputGivesZeroEstimate) {
    EXPECT_EQ(theil_sen(std::vector<double>{1.0}, std::vector<double>{5.0}).pairs_used, 0u);
    EXPECT_EQ(theil_sen(std::vector<double>{2, 2, 2}, std::vector<double>{1, 2, 3}).pairs_used, 0u);
}

}  // namespace
}  // namespace leakscope::diagnosis
