// When it will hurt: time until the peaks reach the limit, the restart interval that keeps them under
// it, and the severity from the growth rate relative to the process's size and its limit.
#pragma once

#include <optional>
#include <span>

#include "diagnosis/diagnosis.hpp"
#include "diagnosis/growth_shape.hpp"

namespace leakscope::diagnosis::detail {

/// A restart returns the process to its start; the schedule keeps the peaks below this share of the
/// limit, so noise, a late spike or a slightly faster day does not reach the limit itself.
inline constexpr double kRestartSafetyFraction = 0.9;
/// "Sustained high usage": samples above this share of the limit.
inline constexpr double kNearLimitFraction = 0.8;

struct PeakLine {
    double at_steady_start = 0;  ///< peak level where steady state begins (warm-up included)
    double at_end = 0;           ///< peak level at the last sample
};

/// Fills time_to_limit_s, restart_interval_s and fraction_of_samples_near_limit from the rate in
/// `diagnosis` (growth = steady_rate_bytes_per_s, used only when `growing`).
void project(Diagnosis& diagnosis, bool growing, const PeakLine& peaks, double start_t_s,
             std::span<const double> values, std::optional<double> limit_bytes);

/// A warm-up still settling toward a level above the limit reaches the limit on its way: when its
/// curve (plus `peak_offset`, the peaks over the floor) crosses it, from `now_s`. No restart interval:
/// a restarted process settles toward the same level.
void project_settling(Diagnosis& diagnosis, const Saturation& curve, double peak_offset, double now_s);

/// Severity from the rate relative to `size_bytes`, the time to the limit and the time spent near it.
Severity grade(const Diagnosis& diagnosis, bool growing, double size_bytes);

}  // namespace leakscope::diagnosis::detail
