// The working form of a series: cleaned (non-finite values and out-of-order times dropped) and put on
// a uniform time grid of at most ~2000 bins. Each bin keeps the median (robust to outliers), the
// minimum and the maximum (or value_max), so long series cost O(n) once and the O(m^2) statistics
// run on m <= 2000 points; spikes narrower than a bin survive in `high`.
#pragma once

#include <cstddef>
#include <vector>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

struct CleanSeries {
    std::vector<double> t, value, value_max, events;  // value_max/events empty when not given
    std::size_t dropped = 0;                          // points removed by cleaning
};

/// Throws std::invalid_argument when the optional vectors do not match t_s in length.
CleanSeries clean_series(const Series& series);

struct Grid {
    std::vector<double> t;       ///< mean time of the bin's samples (the centre for an empty bin)
    std::vector<double> median;  ///< per bin; empty bins interpolated
    std::vector<double> low;
    std::vector<double> high;
    std::vector<double> events;  ///< mean cumulative events per bin; empty when unknown
    std::vector<char> observed;  ///< the bin held at least one sample
    double bin_s = 0;
    double first_value = 0;      ///< the series' first sample (a bin of a long run may hold a warm-up half done)
};

Grid make_grid(const CleanSeries& series, std::size_t max_bins);

}  // namespace leakscope::diagnosis::detail
