// One series of a fleet, diagnosed: cut at restarts, the latest life of the process long enough to
// judge diagnosed with the same engine as run/attach, and the fleet ranked leaks first, by time to limit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diagnosis/diagnosis.hpp"
#include "fleet/prometheus_client.hpp"
#include "fleet/restart_cut.hpp"

namespace leakscope::fleet {

/// Points kept per series for the sparklines of the reports.
inline constexpr std::size_t kSparklinePoints = 60;

struct FleetEntry {
    Labels labels;
    diagnosis::Diagnosis verdict;
    std::size_t points = 0;          ///< points fetched
    std::size_t restarts = 0;        ///< restarts found in the range
    double segment_start_unix_s = 0; ///< start of the life the verdict rests on (its times count from here)
    double segment_end_unix_s = 0;
    double last_value = 0;
    std::string limit_source;        ///< "--limit", "--limit-query", or empty
    std::vector<double> sparkline;   ///< the whole range, at most kSparklinePoints bucket peaks
};

struct SeriesOptions {
    RestartOptions restarts;
    std::optional<double> limit_bytes;
    std::string limit_source;
    diagnosis::Options diagnosis;
};

/// `start_times`: process_start_time_seconds on the series' own points (empty when not asked).
FleetEntry diagnose_series(const RangeSeries& series, const std::vector<double>& start_times, const SeriesOptions& options);

/// Leaks first, soonest at their limit first (no projection last), then by steady rate; the rest by
/// steady rate, fastest growth first. Stable for equal keys.
void rank_fleet(std::vector<FleetEntry>& entries);

/// Bucket peaks of `values` in at most `width` buckets.
std::vector<double> bucket_peaks(const std::vector<double>& values, std::size_t width);

}  // namespace leakscope::fleet
