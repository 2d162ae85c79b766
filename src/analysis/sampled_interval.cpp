#include "analysis/sampled_interval.hpp"

#include <algorithm>
#include <cmath>

namespace leakscope::analysis {
namespace {

constexpr double kZ = 1.959963984540054;  // two-sided 95%

/// Quantile of the chi-square distribution with nu degrees of freedom at the standard normal
/// quantile z (Wilson–Hilferty; within a few percent from nu = 2 on, which the coverage test checks).
double chi_square_quantile(double nu, double z) {
    const double a = 2.0 / (9.0 * nu);
    const double c = 1.0 - a + z * std::sqrt(a);
    return nu * std::max(0.0, c * c * c);
}

}  // namespace

SampledInterval sampled_live_interval(double live_bytes, double live_count, double sample_bytes) {
    SampledInterval out;
    if (!(sample_bytes > 0) || live_bytes <= 0 || live_count <= 0) {
        out.low = out.high = std::max(0.0, live_bytes);
        out.few_samples = live_bytes > 0;
        return out;
    }
    const double mean_size = live_bytes / live_count;
    const double p = -std::expm1(-mean_size / sample_bytes);
    const double weight = mean_size / p;        // bytes one sampled block stands for
    const double k = live_bytes / weight;       // sampled blocks behind the estimate (= live_count * p)
    // Garwood limits of a Poisson mean for k observed events (k is an expectation here; rounded).
    const double observed = std::max(1.0, std::round(k));
    const double poisson_low = 0.5 * chi_square_quantile(2 * observed, -kZ);
    const double poisson_high = 0.5 * chi_square_quantile(2 * observed + 2, kZ);
    const double shrink = std::sqrt(std::max(0.0, 1.0 - p));
    const double low_count = observed - (observed - poisson_low) * shrink;
    const double high_count = observed + (poisson_high - observed) * shrink;
    const double scale = live_bytes / observed;  // bytes per sampled block, true to the estimate
    out.low = std::max(0.0, low_count * scale);
    out.high = high_count * scale;
    out.samples = k;
    out.few_samples = k < kFewSamples;
    return out;
}

}  // namespace leakscope::analysis
