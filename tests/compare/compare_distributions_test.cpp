// The reference distributions against closed forms and printed tables.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "compare/distributions.hpp"

namespace leakscope::compare {
namespace {

TEST(CompareDistributions, IncompleteBetaMatchesClosedForms) {
    for (double x : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) {
        EXPECT_NEAR(regularized_incomplete_beta(x, 1, 1), x, 1e-12);               // uniform
        EXPECT_NEAR(regularized_incomplete_beta(x, 3, 1), std::pow(x, 3), 1e-12);  // I_x(a, 1) = x^a
        EXPECT_NEAR(regularized_incomplete_beta(x, 1, 4), 1 - std::pow(1 - x, 4), 1e-12);
        // Arcsine law: half-integer parameters, the case Welch's fractional degrees of freedom reach.
        EXPECT_NEAR(regularized_incomplete_beta(x, 0.5, 0.5), 2 / std::numbers::pi * std::asin(std::sqrt(x)), 1e-10);
        EXPECT_NEAR(regularized_incomplete_beta(x, 2.7, 1), std::pow(x, 2.7), 1e-12);
    }
    // Symmetry I_x(a, b) = 1 - I_{1-x}(b, a), across the branch of the continued fraction.
    EXPECT_NEAR(regularized_incomplete_beta(0.3, 2.5, 7.25), 1 - regularized_incomplete_beta(0.7, 7.25, 2.5), 1e-12);
}

TEST(CompareDistributions, StudentTWithOneAndTwoDegreesOfFreedomIsExact) {
    for (double t : {-30.0, -2.0, -0.5, 0.0, 0.3, 1.0, 4.0, 100.0}) {
        EXPECT_NEAR(student_t_cdf(t, 1), 0.5 + std::atan(t) / std::numbers::pi, 1e-10) << t;  // Cauchy
        EXPECT_NEAR(student_t_cdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-10) << t;
    }
}

TEST(CompareDistributions, QuantilesMatchPrintedTables) {
    EXPECT_NEAR(normal_quantile(0.975), 1.959964, 1e-6);
    EXPECT_NEAR(normal_quantile(0.05), -1.644854, 1e-6);
    EXPECT_NEAR(student_t_quantile(0.975, 1), 12.7062, 1e-4);
    EXPECT_NEAR(student_t_quantile(0.975, 2), 4.3027, 1e-4);
    EXPECT_NEAR(student_t_quantile(0.975, 10), 2.2281, 1e-4);
    EXPECT_NEAR(student_t_quantile(0.995, 30), 2.7500, 1e-4);
    EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.959964, 1e-5);  // tends to the normal
    EXPECT_NEAR(student_t_cdf(student_t_quantile(0.9, 7.3), 7.3), 0.9, 1e-10);
}

TEST(CompareDistributions, RejectsMeaninglessArguments) {
    EXPECT_THROW(student_t_cdf(1, 0), std::invalid_argument);
    EXPECT_THROW(normal_quantile(1.0), std::invalid_argument);
    EXPECT_THROW(regularized_incomplete_beta(0.5, -1, 1), std::invalid_argument);
    EXPECT_EQ(student_t_cdf(INFINITY, 3), 1.0);
}

}  // namespace
}  // namespace leakscope::compare
