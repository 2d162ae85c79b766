// The two-sample tests behind "is configuration B's growth rate really different from A's?".
// With repeated runs, Welch's t-test on the per-run steady rates (no equal-variance assumption: a leak
// that grows faster is usually noisier too). With one run on a side there is no between-run spread to
// use, so the test falls back on each run's own confidence interval, which the diagnosis already
// widens for autocorrelation: a z-test on the difference of the two estimates.
#pragma once

#include <span>
#include <string>

namespace leakscope::compare {

struct TestResult {
    std::string test;       ///< the test's name as the output shows it
    double difference = 0;  ///< mean of b minus mean of a
    double standard_error = 0;
    double statistic = 0;   ///< t or z
    double df = 0;          ///< degrees of freedom (infinite for the z-test)
    double p_value = 1;     ///< two-sided
};

inline constexpr const char* kWelchTestName = "Welch's t-test on per-run steady rates";
inline constexpr const char* kIntervalTestName = "z-test on the runs' confidence intervals (one run on a side)";

/// Welch's two-sample t-test, two-sided. Each side needs at least 2 values; throws std::invalid_argument
/// otherwise. When both sides have no spread at all the p-value is 1 for equal means and 0 otherwise.
TestResult welch_t_test(std::span<const double> a, std::span<const double> b);

/// Two estimates with known standard errors: z = (b - a) / sqrt(se_a^2 + se_b^2), two-sided.
TestResult interval_z_test(double mean_a, double se_a, double mean_b, double se_b);

/// The standard error a confidence interval [low, high] at `level` stands for (half-width / z).
double standard_error_from_interval(double low, double high, double level = 0.95);

struct MeanInterval {
    double mean = 0, low = 0, high = 0;
};
/// Mean of the values with a Student-t interval (n >= 2); a single value gives a zero-width interval.
MeanInterval t_interval_of_mean(std::span<const double> values, double level = 0.95);

}  // namespace leakscope::compare
