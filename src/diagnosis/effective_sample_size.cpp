#include "diagnosis/effective_sample_size.hpp"

#include <algorithm>

#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis {

double effective_sample_size(std::span<const double> residuals) {
    const double n = static_cast<double>(residuals.size());
    if (residuals.size() < 4) return n;
    const std::vector<double> acf = detail::autocorrelation(residuals, residuals.size() / 4);
    double sum = 0;
    for (std::size_t lag = 1; lag < acf.size(); ++lag) {
        if (acf[lag] <= 0) break;
        sum += acf[lag];
    }
    return std::clamp(n / (1.0 + 2.0 * sum), 2.0, n);
}

}  // namespace leakscope::diagnosis
