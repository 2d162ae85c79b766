// The memory series of a recording as plain arrays for charts and tables, and the downsampling that
// keeps a day-long recording's charts small: at most ~2000 points per series, peaks and dips kept.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "model/recording.hpp"

namespace leakscope::report {

enum class Gauge {
    rss, pss, anon, file, swap, live_heap, mapped, events,
    allocator_footprint, allocator_in_use, allocator_free,
    smaps_brk_heap, smaps_stacks, smaps_anon_other, smaps_file, smaps_other,
    runtime_heap_used, runtime_heap_committed, runtime_old_gen_used
};

/// Column name used by the CSV and the chart data: "rss", "live_heap", ...
std::string_view gauge_name(Gauge gauge);

/// One gauge over time. NaN marks a sample where the gauge was not measured.
struct GaugeSeries {
    std::vector<double> t_s;
    std::vector<double> value;  ///< mean of a merged bucket
    std::vector<double> low;    ///< lowest within the bucket (== value for raw samples)
    std::vector<double> high;   ///< highest within the bucket
};

/// The gauge's values, or nullopt when no sample measured it (tracker off, no smaps_rollup, no events).
std::optional<GaugeSeries> gauge_series(const Recording& recording, Gauge gauge);

/// Reduces a series to at most `max_points` points by splitting it into max_points/2 time-ordered
/// buckets and keeping each bucket's lowest and highest point, so spikes and sawtooth dips survive.
/// Series already that short come back unchanged. NaN points are dropped.
GaugeSeries downsample_min_max(const GaugeSeries& series, std::size_t max_points);

/// Bucket means on a shared grid (for stacked charts, where every layer needs the same x values):
/// returns the bucket boundaries' mean times and each input's bucket mean.
struct BucketedGrid {
    std::vector<double> t_s;
    std::vector<std::vector<double>> values;
};
BucketedGrid bucket_means(const std::vector<double>& t_s, const std::vector<std::vector<double>>& values,
                          std::size_t max_points);

inline constexpr std::size_t kMaxChartPoints = 2000;

}  // namespace leakscope::report
