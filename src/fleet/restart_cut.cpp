#include "fleet/restart_cut.hpp"

#include <algorithm>
#include <cmath>

namespace leakscope::fleet {

std::vector<Segment> cut_at_restarts(const std::vector<double>& value, const std::vector<double>& start_times,
                                     const RestartOptions& options) {
    std::vector<Segment> segments;
    const std::size_t n = value.size();
    if (n == 0) return segments;
    std::size_t begin = 0;
    double known_start = NAN;
    for (std::size_t i = 0; i < n; ++i) {
        bool restart = false;
        if (i < start_times.size() && std::isfinite(start_times[i])) {
            // Start times jitter by scrape rounding; a new process starts seconds or more later.
            restart = std::isfinite(known_start) && std::fabs(start_times[i] - known_start) > 1.0;
            known_start = start_times[i];
        }
        if (!restart && i > begin) {
            const std::size_t from = i - std::min(options.level_points, i - begin);
            const double level = *std::max_element(value.begin() + static_cast<std::ptrdiff_t>(from), value.begin() + static_cast<std::ptrdiff_t>(i));
            restart = level > 0 && value[i] < options.drop_fraction * level;
        }
        if (restart && i > begin) {
            segments.push_back({begin, i});
            begin = i;
        }
    }
    segments.push_back({begin, n});
    return segments;
}

}  // namespace leakscope::fleet
