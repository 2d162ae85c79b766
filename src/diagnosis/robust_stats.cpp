#include "diagnosis/robust_stats.hpp"

#include <algorithm>
#include <cmath>

namespace leakscope::diagnosis::detail {

double median(std::span<const double> values) {
    if (values.empty()) return 0;
    std::vector<double> copy(values.begin(), values.end());
    const std::size_t mid = copy.size() / 2;
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(mid), copy.end());
    const double upper = copy[mid];
    if (copy.size() % 2 == 1) return upper;
    const double lower = *std::max_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(mid));
    return 0.5 * (lower + upper);
}

double quantile(std::span<const double> values, double q) {
    if (values.empty()) return 0;
    std::vector<double> copy(values.begin(), values.end());
    const double position = std::clamp(q, 0.0, 1.0) * static_cast<double>(copy.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(position));
    const double fraction = position - static_cast<double>(below);
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(below), copy.end());
    const double low = copy[below];
    if (fraction == 0 || below + 1 >= copy.size()) return low;
    const double high = *std::min_element(copy.begin() + static_cast<std::ptrdiff_t>(below) + 1, copy.end());
    return low + fraction * (high - low);
}

double median_absolute_deviation(std::span<const double> values) {
    const double center = median(values);
    std::vector<double> deviations;
    deviations.reserve(values.size());
    for (double value : values) deviations.push_back(std::fabs(value - center));
    return median(deviations);
}

double noise_sigma_from_differences(std::span<const double> values) {
    if (values.size() < 3) return 0;
    std::vector<double> differences;
    differences.reserve(values.size() - 1);
    for (std::size_t i = 1; i < values.size(); ++i) differences.push_back(values[i] - values[i - 1]);
    return median_absolute_deviation(differences) / (0.6744897501960817 * std::sqrt(2.0));
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) {
    p = std::clamp(p, 1e-300, 1.0 - 1e-16);
    double low = -40, high = 40;
    for (int iteration = 0; iteration < 200 && high - low > 1e-13; ++iteration) {
        const double mid = 0.5 * (low + high);
        (normal_cdf(mid) < p ? low : high) = mid;
    }
    return 0.5 * (low + high);
}

LineFit least_squares(std::span<const double> x, std::span<const double> y) {
    const std::size_t n = std::min(x.size(), y.size());
    if (n == 0) return {};
    double mean_x = 0, mean_y = 0;
    for (std::size_t i = 0; i < n; ++i) {
        mean_x += x[i];
        mean_y += y[i];
    }
    mean_x /= static_cast<double>(n);
    mean_y /= static_cast<double>(n);
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < n; ++i) {
        sxx += (x[i] - mean_x) * (x[i] - mean_x);
        sxy += (x[i] - mean_x) * (y[i] - mean_y);
    }
    LineFit fit;
    fit.slope = sxx > 0 ? sxy / sxx : 0;
    fit.intercept = mean_y - fit.slope * mean_x;
    return fit;
}

std::vector<double> autocorrelation(std::span<const double> values, std::size_t max_lag) {
    const std::size_t n = values.size();
    std::vector<double> acf(std::min(max_lag, n == 0 ? 0 : n - 1) + 1, 0.0);
    if (n == 0) return acf;
    double mean = 0;
    for (double value : values) mean += value;
    mean /= static_cast<double>(n);
    double variance = 0;
    for (double value : values) variance += (value - mean) * (value - mean);
    acf[0] = 1;
    if (variance <= 0) return acf;
    for (std::size_t lag = 1; lag < acf.size(); ++lag) {
        double sum = 0;
        for (std::size_t i = 0; i + lag < n; ++i) sum += (values[i] - mean) * (values[i + lag] - mean);
        acf[lag] = sum / variance;  // biased estimator (divides by n), as Box–Jenkins and Hamed–Rao use
    }
    return acf;
}

double largest_fall_back(std::span<const double> values) {
    double highest = -INFINITY, fall = 0;
    for (const double v : values) {
        highest = std::max(highest, v);
        fall = std::max(fall, highest - v);
    }
    return fall;
}

}  // namespace leakscope::diagnosis::detail
