// Where steady state begins and what shape its growth has: the warm-up knee, the segmentation of the
// floor, steps, acceleration, and the robust slope with its autocorrelation-corrected interval.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "diagnosis/grid.hpp"
#include "diagnosis/pelt.hpp"
#include "diagnosis/theil_sen.hpp"

namespace leakscope::diagnosis::detail {

/// Points of a series in [begin, end) that were observed and are usable (not inside a spike).
struct Steady {
    std::vector<double> x, y, residual;
};
Steady observed_part(const Grid& grid, std::span<const double> values, std::span<const char> usable, std::size_t begin, std::size_t end);

/// Theil–Sen with Sen's interval widened by n / n_eff of the residuals (fills part.residual).
SlopeEstimate robust_slope(Steady& part, double confidence);

/// The first value sits apart below the rest, its jump to the second several times any step after it:
/// a process caught as it exec'd, a runtime mapped at once.
bool starts_with_a_jump(std::span<const double> values);

struct Warmup {
    std::size_t end_index = 0;  ///< first grid index of steady state; 0 when there is no warm-up
    double bytes = 0;           ///< one-time growth beyond the steady line
};
/// threshold: how far below the steady line the start must sit; noise_sigma: the floor's noise.
Warmup find_warmup(const Grid& grid, std::span<const double> floor, std::span<const char> usable, double threshold, double noise_sigma);

/// PELT segments of the floor on ~200 block medians, mapped back to grid indices.
std::vector<Segment> segment_floor(std::span<const double> t, std::span<const double> floor, double min_sigma);

struct Staircase {
    bool detected = false;
    std::size_t steps = 0;
    std::size_t falls = 0;            ///< transitions down by the threshold or more
    std::vector<double> step_t_s;     ///< where each step ends: the next rest begins
};
/// Steps of at least `threshold` after `begin` that carry most of the growth.
Staircase find_staircase(const std::vector<Segment>& segments, std::span<const double> t, std::size_t begin, double threshold);

/// A staircase whose steps only rise, in a rhythm that has not ended by `end_s`: three steps or more,
/// none down, and no rest after the last longer than the longest between two of them (a warm-up in
/// steps, a buffer grown to its size, ends on its longest rest).
bool steps_only_rise(const Staircase& staircase, double end_s);

/// The last third of the steady part climbs clearly faster than the first; `recent` gets its slope.
bool is_accelerating(const Steady& steady, double confidence, SlopeEstimate& recent);

}  // namespace leakscope::diagnosis::detail
