// Rolling minimum and maximum over a centred window (monotone deque, O(n)): the floor under spikes
// and sawtooth teeth, and the upper envelope the projection uses.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace leakscope::diagnosis {

/// out[i] = min of values[i - window/2, i + window/2] (clipped at the ends). window >= 1.
std::vector<double> rolling_min(std::span<const double> values, std::size_t window);
std::vector<double> rolling_max(std::span<const double> values, std::size_t window);

}  // namespace leakscope::diagnosis
