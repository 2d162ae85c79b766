#include "compare/rate_tests.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "compare/distributions.hpp"

namespace leakscope::compare {
namespace {

double mean_of(std::span<const double> values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

/// Sample variance (n - 1 in the denominator).
double variance_of(std::span<const double> values, double mean) {
    double sum = 0;
    for (double v : values) sum += (v - mean) * (v - mean);
    return sum / static_cast<double>(values.size() - 1);
}

/// Two-sided p-value when the standard error is zero: no noise at all, so any difference is certain.
TestResult without_noise(TestResult result) {
    result.statistic = result.difference == 0 ? 0 : std::copysign(std::numeric_limits<double>::infinity(), result.difference);
    result.p_value = result.difference == 0 ? 1.0 : 0.0;
    return result;
}

}  // namespace

TestResult welch_t_test(std::span<const double> a, std::span<const double> b) {
    if (a.size() < 2 || b.size() < 2) throw std::invalid_argument("Welch's t-test needs at least two values on each side");
    const double mean_a = mean_of(a), mean_b = mean_of(b);
    const double va = variance_of(a, mean_a) / static_cast<double>(a.size());
    const double vb = variance_of(b, mean_b) / static_cast<double>(b.size());
    TestResult result;
    result.test = kWelchTestName;
    result.difference = mean_b - mean_a;
    result.standard_error = std::sqrt(va + vb);
    if (result.standard_error == 0) {
        result.df = static_cast<double>(a.size() + b.size() - 2);
        return without_noise(result);
    }
    // Welch–Satterthwaite degrees of freedom.
    result.df = (va + vb) * (va + vb) /
                (va * va / static_cast<double>(a.size() - 1) + vb * vb / static_cast<double>(b.size() - 1));
    result.statistic = result.difference / result.standard_error;
    result.p_value = 2.0 * student_t_cdf(-std::fabs(result.statistic), result.df);
    return result;
}

TestResult interval_z_test(double mean_a, double se_a, double mean_b, double se_b) {
    if (!(se_a >= 0 && se_b >= 0)) throw std::invalid_argument("standard errors must be non-negative");
    TestResult result;
    result.test = kIntervalTestName;
    result.difference = mean_b - mean_a;
    result.standard_error = std::sqrt(se_a * se_a + se_b * se_b);
    result.df = std::numeric_limits<double>::infinity();
    if (result.standard_error == 0) return without_noise(result);
    result.statistic = result.difference / result.standard_error;
    result.p_value = 2.0 * normal_cdf(-std::fabs(result.statistic));
    return result;
}

double standard_error_from_interval(double low, double high, double level) {
    if (!(level > 0 && level < 1)) throw std::invalid_argument("confidence level must be in (0, 1)");
    return std::fabs(high - low) / (2.0 * normal_quantile(0.5 + 0.5 * level));
}

MeanInterval t_interval_of_mean(std::span<const double> values, double level) {
    if (values.empty()) throw std::invalid_argument("interval of an empty set of values");
    MeanInterval interval;
    interval.mean = interval.low = interval.high = mean_of(values);
    if (values.size() < 2) return interval;
    const double se = std::sqrt(variance_of(values, interval.mean) / static_cast<double>(values.size()));
    const double half = student_t_quantile(0.5 + 0.5 * level, static_cast<double>(values.size() - 1)) * se;
    interval.low = interval.mean - half;
    interval.high = interval.mean + half;
    return interval;
}

}  // namespace leakscope::compare
