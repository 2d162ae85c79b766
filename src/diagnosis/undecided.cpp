#include "diagnosis/undecided.hpp"

#include <algorithm>
#include <cmath>

#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis::detail {

std::optional<double> watch_more_before_deciding(const GrowthSoFar& g) {
    // Without a warm-up there is no tail to mistake growth for, and the trend test has ruled out noise.
    if (!(g.rate.slope > 0) || !(g.span_s > 0) || !(g.warmup_bytes > 0)) return std::nullopt;
    const double level = std::fabs(g.level_bytes);
    const double grown = g.rate.slope * g.span_s;
    const double decisive = std::min(kDecisiveShareOfWarmup * g.warmup_bytes, kDecisiveShareOfLevel * level);
    const double outlasting_s = kWarmupLengthsToOutlastTail * g.warmup_duration_s;
    const double negligible = kNegligibleShareOfLevel * level;
    if (grown >= decisive) return std::nullopt;
    if (g.span_s >= outlasting_s && grown >= negligible) return std::nullopt;
    // The pessimistic end of the interval, but not below a quarter of the rate.
    const double pace = std::max(g.rate.ci_low, 0.25 * g.rate.slope);
    const double until_decisive = (decisive - grown) / pace;
    const double until_outlasted = std::max(outlasting_s - g.span_s, std::max(negligible - grown, 0.0) / pace);
    return whole_minutes(std::min(until_decisive, until_outlasted));
}

double watch_until_trend_statistic_scales(double span_s, double factor) { return span_s * (std::pow(factor, 2.0 / 3.0) - 1); }

std::optional<double> watch_while_trend_unproven(const TrendTest& trend, const SlopeEstimate& rate, double span_s) {
    if (!(trend.p_value > kTrendUnprovenP) || !(span_s > 0) || !(rate.ci_low < kLooseLowEndShareOfRate * rate.slope)) return std::nullopt;
    const double z_needed = normal_quantile(1 - kTrendProvenP / 2);
    // A trend the test sees no sign of at all (z about 0) gives no pace to extrapolate: taken as half the
    // z needed, which asks for 59% more of the watch.
    const double z_now = std::max(std::fabs(trend.z), 0.5 * z_needed);
    return whole_minutes(watch_until_trend_statistic_scales(span_s, z_needed / z_now));
}

double whole_minutes(double seconds) { return std::ceil(std::max(1.0, seconds) / 60.0) * 60.0; }

void make_undecided(Diagnosis& d, double watch_s) {
    d.leak = false;
    d.decided = false;
    d.watch_more_s = whole_minutes(watch_s);
    d.time_to_limit_s.reset();
    d.restart_interval_s.reset();
    d.severity = Severity::none;
    d.confidence = 0.5;
}

std::size_t troughs_from(const CycleAnalysis& cycles, std::size_t steady_begin) {
    return static_cast<std::size_t>(
        std::count_if(cycles.troughs.begin(), cycles.troughs.end(), [&](std::size_t i) { return i >= steady_begin; }));
}

double collector_headroom_bytes(double level_bytes) {
    return std::max(kCollectorHeadroomFloorBytes, kCollectorHeadroomShareOfLevel * std::max(level_bytes, 0.0));
}

std::optional<std::size_t> releases_too_few_to_judge(const CycleAnalysis& cycles, std::size_t steady_begin, double grown,
                                                     bool releases_by_collector, double level_bytes) {
    // Only a collector's heap: elsewhere a sawtooth of two teeth whose floor climbs is judged on that
    // floor, as before (a fragmenting arena's RSS, released once, still reads as the growth it is).
    if (cycles.kind == CycleKind::spikes || !releases_by_collector) return std::nullopt;
    // Growth past the collector's headroom was kept through its collections, a few small falls or none
    // among it (node keeping a session per request, 1.3 MB/s: 75 s of it, two dips of 1 MB, read "watch
    // 3 min more", and would have for ever).
    if (grown >= collector_headroom_bytes(level_bytes)) return std::nullopt;
    if (cycles.kind == CycleKind::sawtooth) {
        const std::size_t judged = troughs_from(cycles, steady_begin);
        if (judged >= kTroughsToJudgeAcrossReleases) return std::nullopt;
        return std::max<std::size_t>(1, judged);
    }
    std::size_t releases = 0;
    for (const auto& [at, size] : cycles.falls)
        releases += at >= steady_begin && size >= kReleaseShareOfGrowth * grown;
    if (releases >= kTroughsToJudgeAcrossReleases) return std::nullopt;
    return releases;
}

}  // namespace leakscope::diagnosis::detail
