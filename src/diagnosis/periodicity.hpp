// Period of a series from the autocorrelation of its detrended values: the first clear local maximum
// of the autocorrelation function after it has dipped, if it is high enough to stand out from noise.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace leakscope::diagnosis {

struct PeriodEstimate {
    std::size_t lag = 0;       ///< in samples of the (uniform) input
    double autocorrelation = 0;
};

struct PeriodOptions {
    double min_peak = 0.3;        ///< the autocorrelation at the period
    double min_prominence = 0.3;  ///< over the lowest value before it
    std::size_t min_repeats = 3;  ///< the period must fit this many times
};

/// Input: uniformly spaced values. The least-squares line is removed first.
std::optional<PeriodEstimate> detect_period(std::span<const double> values, const PeriodOptions& options = {});

}  // namespace leakscope::diagnosis
