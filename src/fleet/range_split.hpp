// Prometheus refuses a range query of more than 11,000 points per series; a week at 1m is 10,080,
// at 30s 20,160. The range is cut into consecutive requests on the same step grid.
#pragma once

#include <cstddef>
#include <vector>

namespace leakscope::fleet {

/// Prometheus' own cap is 11,000 (it rejects more); 10,000 keeps a margin for rounding.
inline constexpr std::size_t kMaxPointsPerRequest = 10000;

struct TimeRange {
    double start_s = 0;
    double end_s = 0;
};

/// Consecutive, non-overlapping ranges covering [start, end] on the grid start + k*step, each of at
/// most `max_points` points. Empty when end < start or step <= 0.
std::vector<TimeRange> split_range(double start_s, double end_s, double step_s, std::size_t max_points = kMaxPointsPerRequest);

}  // namespace leakscope::fleet
