#include "diagnosis/effective_sample_size.hpp"

#include <algorithm>

#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis {

double effective_sample_size(std::span<const double> residuals) {
    const double n = static_cast<double>(residuals.size());
    // Fewer than 8 residuals (a sawtooth's troughs, one per tooth): their lag-1 autocorrelation has a
    // standard error of 1/sqrt(n) >= 0.35, so widening by it is noise. Five troughs climbing one after
    // another (a chat index leaking 50 kB/s under a 1.8 MB sawtooth) read 0.3 by chance, and the widened
    // interval reached below zero: "a flat floor, no leak".
    if (residuals.size() < kFewestForAutocorrelation) return n;
    const std::vector<double> acf = detail::autocorrelation(residuals, residuals.size() / 4);
    double sum = 0;
    for (std::size_t lag = 1; lag < acf.size(); ++lag) {
        if (acf[lag] <= 0) break;
        sum += acf[lag];
    }
    return std::clamp(n / (1.0 + 2.0 * sum), 2.0, n);
}

}  // namespace leakscope::diagnosis
