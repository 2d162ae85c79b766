// What the monitor's rule tests share: simulated gauges sampled every 30 s with explicit times (days
// and months run in milliseconds), on a monitor that watches only them.
#pragma once

#include "leakscope/monitor.hpp"

namespace leakscope::monitor_test {

inline constexpr double kMiB = 1024.0 * 1024.0;
inline constexpr double kHour = 3600;
inline constexpr double kStep = 30;  // the brief's caches report every 30 s

inline MonitorOptions quiet_options() {
    MonitorOptions options;
    options.watch_rss = false;  // only the simulated gauges
    return options;
}

}  // namespace leakscope::monitor_test
