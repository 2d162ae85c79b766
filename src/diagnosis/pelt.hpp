// Change points by PELT (Killick, Fearnhead & Eckley 2012): exact minimisation of
// sum(segment cost) + penalty * (number of segments), pruning candidates that can no longer win.
// Segment cost: residual sum of squares of a least-squares LINE through the segment, so a steady
// ramp is one segment while a step, a warm-up knee or a change of slope starts a new one.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace leakscope::diagnosis {

struct Segment {
    std::size_t begin = 0, end = 0;  ///< [begin, end) indices
    double slope = 0;                ///< per unit of x
    double level_at_begin = 0;       ///< fitted value at x[begin]
    double level_at_end = 0;         ///< fitted value at x[end - 1]
};

struct PeltOptions {
    double penalty = 0;           ///< in units of the cost (sum of squares); <= 0 picks 3 * sigma^2 * log n
    double noise_sigma = 0;       ///< for the default penalty
    std::size_t min_segment = 3;  ///< a line through fewer points has no residual to judge it by
};

/// Segments covering [0, n) in order. A single segment for n < 2 * min_segment.
std::vector<Segment> pelt_linear_segments(std::span<const double> x, std::span<const double> y, const PeltOptions& options);

}  // namespace leakscope::diagnosis
