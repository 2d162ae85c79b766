// The monitor's detector for one gauge: the diagnosis engine on its history, then the four service
// rules on top (gradual growth, rapid growth, sustained high usage, periodic spikes). Pure: history in,
// findings out, so tests drive it with simulated months of samples and no clock.
#pragma once

#include <string_view>
#include <vector>

#include "leakscope/monitor.hpp"
#include "monitor/tiered_history.hpp"

namespace leakscope::detail {

struct GaugeAnalysis {
    Pattern pattern = Pattern::insufficient_data;
    bool leak = false;
    double steady_rate_bytes_per_s = 0;
    std::vector<Finding> findings;  ///< every rule that holds now, one per kind at most
};

GaugeAnalysis analyze_gauge(std::string_view name, const std::vector<HistoryPoint>& points,
                            const MonitorOptions& options, const GaugeOptions& gauge);

}  // namespace leakscope::detail
