#include "diagnosis/periodicity.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis {

std::optional<PeriodEstimate> detect_period(std::span<const double> values, const PeriodOptions& options) {
    const std::size_t n = values.size();
    const std::size_t max_lag = n / std::max<std::size_t>(options.min_repeats, 1);
    if (n < 8 || max_lag < 3) return std::nullopt;
    std::vector<double> index(n);
    std::iota(index.begin(), index.end(), 0.0);
    const auto line = detail::least_squares(index, values);
    std::vector<double> detrended(n);
    for (std::size_t i = 0; i < n; ++i) detrended[i] = values[i] - (line.intercept + line.slope * index[i]);
    const std::vector<double> acf = detail::autocorrelation(detrended, max_lag + 1);

    // White noise has |acf| ~ 1/sqrt(n); demand a peak well clear of that as well as the fixed floor.
    const double noise_bound = 3.0 / std::sqrt(static_cast<double>(n));
    double lowest = acf[0];
    for (std::size_t lag = 1; lag + 1 < acf.size(); ++lag) {
        lowest = std::min(lowest, acf[lag]);
        if (lag < 2 || acf[lag] < acf[lag - 1] || acf[lag] < acf[lag + 1]) continue;
        if (acf[lag] >= std::max(options.min_peak, noise_bound) && acf[lag] - lowest >= options.min_prominence)
            return PeriodEstimate{lag, acf[lag]};
    }
    return std::nullopt;
}

}  // namespace leakscope::diagnosis
