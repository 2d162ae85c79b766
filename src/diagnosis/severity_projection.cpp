#include "diagnosis/severity_projection.hpp"

#include <algorithm>
#include <cmath>

namespace leakscope::diagnosis::detail {

void project(Diagnosis& diagnosis, bool growing, const PeakLine& peaks, double start_t_s,
             std::span<const double> values, std::optional<double> limit_bytes) {
    diagnosis.limit_bytes = limit_bytes;
    diagnosis.time_to_limit_s.reset();
    diagnosis.restart_interval_s.reset();
    diagnosis.fraction_of_samples_near_limit = 0;
    if (!limit_bytes || !(*limit_bytes > 0)) return;
    const double limit = *limit_bytes;

    std::size_t near = 0;
    for (double value : values) near += value > kNearLimitFraction * limit;
    diagnosis.fraction_of_samples_near_limit = values.empty() ? 0 : static_cast<double>(near) / static_cast<double>(values.size());

    const double rate = diagnosis.steady_rate_bytes_per_s;
    if (!growing || !(rate > 0)) return;
    // From the peaks, not the floor: the process fails when its highest point reaches the limit.
    diagnosis.time_to_limit_s = std::max(0.0, (limit - peaks.at_end) / rate);
    // After a restart the process redoes its warm-up and reaches the steady-state peak level at
    // warmup_end_s (relative to its start); from there the peaks grow at `rate` until they reach the
    // safety share of the limit. Restarting every (warm-up + that time) keeps them below it.
    // E.g. 31 MB/h from ~0.6 GB in an 8 GB VM: (7.2 GB - 0.6 GB) / 31 MB/h = ~218 h, well over 72 h.
    const double headroom = kRestartSafetyFraction * limit - peaks.at_steady_start;
    if (headroom > 0) diagnosis.restart_interval_s = (diagnosis.warmup_end_s - start_t_s) + headroom / rate;
}

void project_settling(Diagnosis& diagnosis, const Saturation& curve, double peak_offset, double now_s) {
    if (!diagnosis.limit_bytes || !(curve.tau_s > 0) || !(curve.rise > 0)) return;
    const double limit_of_floor = *diagnosis.limit_bytes - peak_offset;
    if (!(curve.asymptote > limit_of_floor)) return;
    const double crossing_s = curve.t0_s + curve.tau_s * std::log(curve.rise / (curve.asymptote - limit_of_floor));
    diagnosis.time_to_limit_s = std::max(0.0, crossing_s - now_s);
    diagnosis.restart_interval_s.reset();
}

Severity grade(const Diagnosis& diagnosis, bool growing, double size_bytes) {
    auto at_least = [](Severity a, Severity b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; };
    Severity severity = Severity::none;
    if (growing && diagnosis.steady_rate_bytes_per_s > 0) {
        // Share of the process's own size added per hour.
        const double per_hour = diagnosis.steady_rate_bytes_per_s * 3600.0 / std::max(std::fabs(size_bytes), 1.0);
        severity = per_hour < 0.01 ? Severity::low : per_hour < 0.05 ? Severity::medium : per_hour < 0.20 ? Severity::high : Severity::critical;
    }
    // Without growth a time to the limit is a plateau above it, reached on the way there.
    if (diagnosis.time_to_limit_s) {
        const double ttl = *diagnosis.time_to_limit_s;
        if (ttl < 3600.0) severity = Severity::critical;
        else if (ttl < 86400.0) severity = at_least(severity, Severity::high);
        else if (ttl < 7 * 86400.0) severity = at_least(severity, Severity::medium);
    }
    // Sustained high usage hurts even without growth (the brief's cache monitor: 80% of samples).
    if (diagnosis.fraction_of_samples_near_limit >= 0.8) severity = at_least(severity, Severity::high);
    else if (diagnosis.fraction_of_samples_near_limit >= 0.5) severity = at_least(severity, Severity::medium);
    return severity;
}

}  // namespace leakscope::diagnosis::detail
