// Welch's t-test against a textbook value, and the false-alarm check the issue asks for: thousands of
// comparisons of equal configurations, drawn from one noisy distribution, must reject at about alpha.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "compare/comparison.hpp"
#include "compare/rate_tests.hpp"

namespace leakscope::compare {
namespace {

// Student's sleep data (Cushny & Peebles), the classic Welch example: R's
// t.test(extra ~ group, data = sleep) prints t = -1.8608, df = 17.776, p-value = 0.07939.
const std::vector<double> kSleepGroup1 = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
const std::vector<double> kSleepGroup2 = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};

TEST(CompareRateTests, WelchMatchesTheTextbookSleepExample) {
    const auto result = welch_t_test(kSleepGroup2, kSleepGroup1);  // group 1 minus group 2, as R orders it
    EXPECT_NEAR(result.statistic, -1.8608, 1e-4);
    EXPECT_NEAR(result.df, 17.776, 1e-3);
    EXPECT_NEAR(result.p_value, 0.07939, 1e-5);
    EXPECT_NEAR(result.difference, 0.75 - 2.33, 1e-12);
    EXPECT_EQ(result.test, kWelchTestName);
    // The order only flips the sign.
    EXPECT_NEAR(welch_t_test(kSleepGroup1, kSleepGroup2).statistic, 1.8608, 1e-4);
}

TEST(CompareRateTests, WelchWithoutAnySpread) {
    const std::vector<double> a = {5, 5, 5}, b = {5, 5}, c = {7, 7};
    EXPECT_EQ(welch_t_test(a, b).p_value, 1.0);
    EXPECT_EQ(welch_t_test(a, c).p_value, 0.0);
    EXPECT_THROW(welch_t_test(std::vector<double>{1}, a), std::invalid_argument);
}

TEST(CompareRateTests, IntervalTestUsesTheStandardErrorsTheIntervalsStandFor) {
    // Two estimates 1.96 * sqrt(2) standard errors apart: z = 1.96, p = 0.05.
    const double se = standard_error_from_interval(100 - 1.959964, 100 + 1.959964);
    EXPECT_NEAR(se, 1.0, 1e-6);
    const auto result = interval_z_test(100, se, 100 + 1.959964 * std::sqrt(2.0), se);
    EXPECT_NEAR(result.statistic, 1.959964, 1e-5);
    EXPECT_NEAR(result.p_value, 0.05, 1e-5);
    EXPECT_EQ(result.test, kIntervalTestName);
}

TEST(CompareRateTests, TIntervalOfTheMean) {
    const std::vector<double> values = {10, 12, 14};  // mean 12, s = 2, se = 2/sqrt(3), t(0.975, 2) = 4.3027
    const auto interval = t_interval_of_mean(values);
    EXPECT_NEAR(interval.mean, 12, 1e-12);
    EXPECT_NEAR(interval.high - interval.mean, 4.30265 * 2 / std::sqrt(3.0), 1e-4);
}

/// Rejection rate of the test over `trials` comparisons of two configurations with equal true rates.
double false_alarm_rate_welch(int runs_per_side, int trials, double alpha, std::mt19937_64& rng) {
    // A leak of ~100 KB/s whose per-run estimate scatters by 8% (machine noise, warm-up placement).
    std::normal_distribution<double> rate(100000.0, 8000.0);
    int rejections = 0;
    for (int trial = 0; trial < trials; ++trial) {
        std::vector<double> a(runs_per_side), b(runs_per_side);
        for (auto& v : a) v = rate(rng);
        for (auto& v : b) v = rate(rng);
        if (welch_t_test(a, b).p_value < alpha) ++rejections;
    }
    return static_cast<double>(rejections) / trials;
}

TEST(CompareRateTests, WelchFalseAlarmRateStaysNearAlpha) {
    std::mt19937_64 rng(20261121);
    constexpr int kTrials = 6000;
    // Binomial standard error at 5% and 6000 trials is 0.0028; the tolerance is about 4 of them.
    for (int runs : {3, 5, 10}) {
        const double rate = false_alarm_rate_welch(runs, kTrials, 0.05, rng);
        EXPECT_GT(rate, 0.035) << runs << " runs per configuration";
        EXPECT_LT(rate, 0.062) << runs << " runs per configuration";
    }
    const double strict = false_alarm_rate_welch(5, kTrials, 0.01, rng);
    EXPECT_GT(strict, 0.004);
    EXPECT_LT(strict, 0.017);
}

TEST(CompareRateTests, WelchWithTwoRunsIsConservative) {
    // With two runs a side the Welch–Satterthwaite df is often near 1 and the test is known to reject
    // less than alpha (about 2.5% at 5% here): never more false alarms than promised, only less power.
    std::mt19937_64 rng(31337);
    const double rate = false_alarm_rate_welch(2, 6000, 0.05, rng);
    EXPECT_GT(rate, 0.015);
    EXPECT_LT(rate, 0.055);
}

TEST(CompareRateTests, IntervalTestFalseAlarmRateStaysNearAlpha) {
    // One run per side: each run reports its estimate and a 95% interval of the right width.
    std::mt19937_64 rng(7);
    constexpr int kTrials = 6000;
    int rejections = 0;
    for (int trial = 0; trial < kTrials; ++trial) {
        const double se_a = 3000 + 2000 * std::uniform_real_distribution<double>(0, 1)(rng);
        const double se_b = 3000 + 2000 * std::uniform_real_distribution<double>(0, 1)(rng);
        const double a = std::normal_distribution<double>(50000, se_a)(rng);
        const double b = std::normal_distribution<double>(50000, se_b)(rng);
        const double z = 1.959964;
        const auto result = interval_z_test(a, standard_error_from_interval(a - z * se_a, a + z * se_a), b,
                                            standard_error_from_interval(b - z * se_b, b + z * se_b));
        if (result.p_value < 0.05) ++rejections;
    }
    const double rate = static_cast<double>(rejections) / kTrials;
    EXPECT_GT(rate, 0.038);
    EXPECT_LT(rate, 0.062);
}

TEST(CompareRateTests, WelchHasPowerAgainstARealDifference) {
    // The other side of the coin: a 30% faster leak with 8% run-to-run noise is found almost always
    // with 5 runs per configuration.
    std::mt19937_64 rng(99);
    std::normal_distribution<double> base(100000.0, 8000.0), faster(130000.0, 8000.0 * 1.3);
    int found = 0;
    for (int trial = 0; trial < 2000; ++trial) {
        std::vector<double> a(5), b(5);
        for (auto& v : a) v = base(rng);
        for (auto& v : b) v = faster(rng);
        if (welch_t_test(a, b).p_value < 0.05) ++found;
    }
    EXPECT_GT(found, 2000 * 0.9);
}

/// The whole decision (compare_runs) on simulated runs: with the practical minimum change switched off,
/// equal configurations are called different at about alpha, whichever test applies.
double decision_false_alarm_rate(int repeats, int trials, std::mt19937_64& rng) {
    std::normal_distribution<double> rate(80000.0, 6000.0);
    ComparisonOptions options;
    options.min_relative_change = 0;
    options.min_change_bytes_per_s = 0;
    int significant = 0, comparisons = 0;
    for (int trial = 0; trial < trials; ++trial) {
        std::vector<RunMeasurement> runs;
        for (int repeat = 1; repeat <= repeats; ++repeat) {
            for (std::size_t c = 0; c < 3; ++c) {
                RunMeasurement run;
                run.configuration = c;
                run.repeat = repeat;
                run.diagnosis.pattern = diagnosis::Pattern::linear_growth;
                run.diagnosis.steady_rate_bytes_per_s = rate(rng);
                // The run's own interval, honest about the noise of one estimate.
                run.diagnosis.rate_ci_low_bytes_per_s = run.diagnosis.steady_rate_bytes_per_s - 1.959964 * 6000.0;
                run.diagnosis.rate_ci_high_bytes_per_s = run.diagnosis.steady_rate_bytes_per_s + 1.959964 * 6000.0;
                runs.push_back(run);
            }
        }
        const auto comparison = compare_runs({"a", "b", "c"}, runs, "live_heap", options);
        for (std::size_t c = 1; c < 3; ++c) {
            ++comparisons;
            if (comparison.configurations[c].vs_baseline->significant) ++significant;
        }
    }
    return static_cast<double>(significant) / comparisons;
}

TEST(CompareRateTests, CompareRunsFalseAlarmRateStaysNearAlpha) {
    std::mt19937_64 rng(424242);
    const double with_welch = decision_false_alarm_rate(3, 3000, rng);
    EXPECT_GT(with_welch, 0.035);
    EXPECT_LT(with_welch, 0.065);
    const double with_intervals = decision_false_alarm_rate(1, 3000, rng);
    EXPECT_GT(with_intervals, 0.035);
    EXPECT_LT(with_intervals, 0.065);
}

}  // namespace
}  // namespace leakscope::compare
