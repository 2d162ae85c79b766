#include "fleet/range_split.hpp"

#include <algorithm>
#include <cmath>

namespace leakscope::fleet {

std::vector<TimeRange> split_range(double start_s, double end_s, double step_s, std::size_t max_points) {
    std::vector<TimeRange> ranges;
    if (!(step_s > 0) || !(end_s >= start_s) || max_points == 0) return ranges;
    // Grid points are start + k*step for k = 0..last (Prometheus evaluates the same grid).
    const auto last = static_cast<std::size_t>(std::floor((end_s - start_s) / step_s + 1e-9));
    for (std::size_t first = 0; first <= last; first += max_points) {
        const std::size_t final_point = std::min(last, first + max_points - 1);
        ranges.push_back({start_s + static_cast<double>(first) * step_s, start_s + static_cast<double>(final_point) * step_s});
    }
    return ranges;
}

}  // namespace leakscope::fleet
