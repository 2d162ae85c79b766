// A series from Prometheus spans the restarts of the process it measures (the same labels before
// and after). Diagnosing across a restart would call the drop a sawtooth, or the regrowth a leak;
// so each series is cut into the lives of its process first.
#pragma once

#include <cstddef>
#include <vector>

namespace leakscope::fleet {

struct Segment {
    std::size_t begin = 0;  ///< first point
    std::size_t end = 0;    ///< one past the last
};

struct RestartOptions {
    /// A restart: the value falls below this fraction of the level just before (the peak of the last
    /// few points). A bounded sawtooth (a history list truncated to half) drops a part of the growth,
    /// rarely half of the whole footprint; a restart drops the whole of it.
    double drop_fraction = 0.5;
    /// Points before the drop whose peak is the level.
    std::size_t level_points = 3;
};

/// Cuts at drops (above) and wherever `start_times` (process_start_time_seconds on the same points,
/// NaN where unknown; empty when not asked) changes value.
std::vector<Segment> cut_at_restarts(const std::vector<double>& value, const std::vector<double>& start_times,
                                     const RestartOptions& options = {});

}  // namespace leakscope::fleet
