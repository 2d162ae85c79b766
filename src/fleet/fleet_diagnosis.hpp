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
    std::size_t lives = 1;           ///< lives the verdict rests on: > 1 when the latest inherited the earlier ones' (life_pooling.hpp)
    double segment_start_unix_s = 0; ///< start of the life the verdict rests on (its times count from here)
    double segment_end_unix_s = 0;
    double last_value = 0;
    std::string limit_source;        ///< "--limit", "--limit-query", or empty
    std::vector<double> sparkline;   ///< the whole range, at most kSparklinePoints bucket peaks
};

/// Time bins a fleet series is diagnosed on. The engine's default (2,000) costs ~15 ms of CPU per
/// 10,000-point series; 1,000 halves that (the trend statistics are quadratic in the bins), which is
/// what brings 10,000 series under a minute on 2 cores (bench/fleet/), at a 1-minute step still
/// one bin per 10 minutes of a week.
inline constexpr std::size_t kFleetMaxPoints = 1000;

struct SeriesOptions {
    RestartOptions restarts;
    std::optional<double> limit_bytes;
    std::string limit_source;
    diagnosis::Options diagnosis = [] {
        diagnosis::Options o;
        o.max_points = kFleetMaxPoints;
        return o;
    }();
};

/// `start_times`: process_start_time_seconds on the series' own points (empty when not asked).
FleetEntry diagnose_series(const RangeSeries& series, const std::vector<double>& start_times, const SeriesOptions& options);

/// Leaks first, soonest at their limit first (no projection last), then by steady rate; the rest by
/// steady rate, fastest growth first. Stable for equal keys.
void rank_fleet(std::vector<FleetEntry>& entries);

/// Bucket peaks of `values` in at most `width` buckets.
std::vector<double> bucket_peaks(const std::vector<double>& values, std::size_t width);

}  // namespace leakscope::fleet
