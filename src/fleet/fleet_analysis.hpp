// `analyze --prometheus`: fetch the fleet batch by batch, diagnose each batch on every core while the
// next one is fetched, rank. Only the verdicts (and a sparkline each) are kept, never every point.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fleet/fleet_diagnosis.hpp"
#include "fleet/fleet_reports.hpp"

namespace leakscope::fleet {

struct FleetOptions {
    std::string url;
    std::string query;
    double end_s = 0;      ///< Unix seconds
    double range_s = 7 * 86400;
    double step_s = 60;
    std::optional<double> limit_bytes;  ///< --limit, for every series
    std::string limit_query;            ///< or per series (container_spec_memory_limit_bytes)
    std::string start_time_query;       ///< process_start_time_seconds, to cut at restarts
    double restart_drop_fraction = 0.5;
    std::size_t jobs = 0;               ///< diagnosis threads; 0 = the machine's
    std::size_t batch_series = 100;
};

struct FleetResult {
    FleetRun run;
    std::vector<FleetEntry> entries;  ///< ranked
};

/// Throws FleetError (one line) when Prometheus cannot be asked or answers with an error.
FleetResult analyze_fleet(const FleetOptions& options);

/// Diagnoses `series` on `jobs` threads (the same engine per series; order kept). Returns CPU seconds.
double diagnose_all(const std::vector<RangeSeries>& series, const std::function<std::vector<double>(const RangeSeries&)>& start_times,
                    const std::function<SeriesOptions(const RangeSeries&)>& options_for, std::size_t jobs,
                    std::vector<FleetEntry>& out);

}  // namespace leakscope::fleet
