#include "compare/distributions.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace leakscope::compare {
namespace {

/// The continued fraction of I_x(a, b) (the form that converges fast for x < (a + 1) / (a + b + 2)),
/// evaluated with the modified Lentz method: 1 / (1 + d1 / (1 + d2 / (1 + ...))).
double incomplete_beta_fraction(double x, double a, double b) {
    constexpr double kTiny = 1e-300;
    constexpr double kEpsilon = 1e-15;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::fabs(d) < kTiny) d = kTiny;
    d = 1.0 / d;
    double fraction = d;
    for (int m = 1; m <= 10000; ++m) {
        // Even coefficient d_{2m}, then odd coefficient d_{2m+1}.
        const double even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + even * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + even / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        fraction *= d * c;

        const double odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + odd * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + odd / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        const double step = d * c;
        fraction *= step;
        if (std::fabs(step - 1.0) < kEpsilon) break;
    }
    return fraction;
}

/// Inverts a continuous increasing CDF by bisection: slow-ish (about 100 evaluations) but cannot fail,
/// and the comparison asks for a handful of quantiles per run.
template <typename Cdf>
double bisect_quantile(double p, Cdf&& cdf) {
    if (!(p > 0.0 && p < 1.0)) throw std::invalid_argument("quantile: probability must be in (0, 1)");
    double lo = -1.0, hi = 1.0;
    while (cdf(lo) > p) lo *= 2.0;
    while (cdf(hi) < p) hi *= 2.0;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * std::max(1.0, std::fabs(lo)); ++i) {
        const double mid = 0.5 * (lo + hi);
        (cdf(mid) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace

double regularized_incomplete_beta(double x, double a, double b) {
    if (!(a > 0.0 && b > 0.0)) throw std::invalid_argument("incomplete beta: a and b must be positive");
    if (std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    const double front = std::exp(log_front);
    // The fraction converges quickly only on one side of the mean; use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a).
    if (x < (a + 1.0) / (a + b + 2.0)) return front * incomplete_beta_fraction(x, a, b) / a;
    return 1.0 - front * incomplete_beta_fraction(1.0 - x, b, a) / b;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) { return bisect_quantile(p, normal_cdf); }

double student_t_cdf(double t, double df) {
    if (!(df > 0.0)) throw std::invalid_argument("Student's t: degrees of freedom must be positive");
    if (std::isnan(t)) return std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
    // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
    const double tail_both = regularized_incomplete_beta(df / (df + t * t), 0.5 * df, 0.5);
    return t >= 0 ? 1.0 - 0.5 * tail_both : 0.5 * tail_both;
}

double student_t_quantile(double p, double df) {
    return bisect_quantile(p, [df](double t) { return student_t_cdf(t, df); });
}

}  // namespace leakscope::compare
