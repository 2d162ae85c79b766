#include "monitor/gauge_rules.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <string>

#include "api/byte_text.hpp"
#include "api/verdict_mapping.hpp"
#include "diagnosis/diagnosis.hpp"
#include "diagnosis/robust_stats.hpp"

namespace leakscope {

std::string_view to_string(FindingKind kind) {
    switch (kind) {
        case FindingKind::gradual_growth: return "gradual_growth";
        case FindingKind::rapid_growth: return "rapid_growth";
        case FindingKind::sustained_high_usage: return "sustained_high_usage";
        case FindingKind::periodic_spikes: return "periodic_spikes";
    }
    return "gradual_growth";
}

}  // namespace leakscope

namespace leakscope::detail {

namespace {

using Points = std::vector<HistoryPoint>;

/// Mean over the first `fraction` of observations (merged points weigh what they stand for).
double baseline_level(const Points& points, double fraction) {
    std::uint64_t total = 0;
    for (const HistoryPoint& p : points) total += p.count;
    const double wanted = fraction * static_cast<double>(total);
    double sum = 0;
    double weight = 0;
    for (const HistoryPoint& p : points) {
        if (weight > 0 && weight + static_cast<double>(p.count) > wanted) break;
        sum += p.value_sum;
        weight += static_cast<double>(p.count);
    }
    return weight > 0 ? sum / weight : 0;
}

std::optional<double> baseline_entries(const Points& points, double fraction) {
    std::uint64_t total = 0;
    for (const HistoryPoint& p : points) total += p.entries_count;
    if (total == 0) return std::nullopt;
    const double wanted = fraction * static_cast<double>(total);
    double sum = 0;
    double weight = 0;
    for (const HistoryPoint& p : points) {
        if (p.entries_count == 0) continue;
        if (weight > 0 && weight + static_cast<double>(p.entries_count) > wanted) break;
        sum += p.entries_sum;
        weight += static_cast<double>(p.entries_count);
    }
    return sum / weight;
}

/// Least-squares slope of the mean value over the mean time of points [begin, end).
std::optional<double> slope(const Points& points, std::size_t begin, std::size_t end) {
    if (end < begin + 3) return std::nullopt;
    const double n = static_cast<double>(end - begin);
    double t_mean = 0, v_mean = 0;
    for (std::size_t i = begin; i < end; ++i) {
        t_mean += points[i].t_mean();
        v_mean += points[i].value_mean();
    }
    t_mean /= n;
    v_mean /= n;
    double sxy = 0, sxx = 0;
    for (std::size_t i = begin; i < end; ++i) {
        const double dt = points[i].t_mean() - t_mean;
        sxy += dt * (points[i].value_mean() - v_mean);
        sxx += dt * dt;
    }
    if (sxx <= 0) return std::nullopt;
    return sxy / sxx;
}

std::string per_hour(double bytes_per_s) { return byte_text(bytes_per_s * 3600) + "/h"; }

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f%%", fraction * 100);
    return text;
}

Severity at_least(Severity a, Severity b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }
Severity at_most(Severity a, Severity b) { return static_cast<int>(a) <= static_cast<int>(b) ? a : b; }

/// Practical significance relative to the gauge (issue 11): steady growth matters once it has added,
/// over the time it was watched, a share of the gauge's own level and several times its noise. A fixed
/// bytes/s floor cannot serve a 465 MB RSS and a gauge of 100 sessions alike, and a leak too slow to
/// matter over an hour does matter over a week. Returns that growth for the points from `first` on.
double growth_that_matters(const diagnosis::Series& series, std::size_t first, const MonitorOptions& options) {
    const std::span<const double> values(series.value.data() + first, series.value.size() - first);
    std::vector<double> magnitude(values.begin(), values.end());
    for (double& v : magnitude) v = std::fabs(v);
    const double level = diagnosis::detail::median(magnitude);
    const double noise = diagnosis::detail::noise_sigma_from_differences(values);
    return std::max(options.practical_growth_fraction * level, options.practical_growth_noise_multiple * noise);
}

/// The engine's practical floor (bytes/s) for growth judged over [t_s[first], end].
double practical_floor(const diagnosis::Series& series, std::size_t first, const MonitorOptions& options) {
    const double watched = std::max(series.t_s.back() - series.t_s[first], 1e-9);
    return std::max(options.practical_floor_bytes_per_s, growth_that_matters(series, first, options) / watched);
}

/// Severity by evidence: just past the growth that matters a leak is certain but not yet urgent, so the
/// severity a rate earns is capped by how far past it the watched growth is (under 2x: low, 4x:
/// medium, 8x: high). A slightly faster leak is then at most one step worse, never stable -> critical.
Severity evidence_cap(double growth_over_needed) {
    if (growth_over_needed < 2) return Severity::low;
    if (growth_over_needed < 4) return Severity::medium;
    if (growth_over_needed < 8) return Severity::high;
    return Severity::critical;
}

/// The limit advice shared by the growth rules.
std::string limit_advice(const diagnosis::Diagnosis& d) {
    std::string text;
    if (d.time_to_limit_s) text += " At this rate it reaches the limit in " + duration_text(*d.time_to_limit_s) + ".";
    if (d.restart_interval_s)
        text += " Until it is fixed, restarting every " + duration_text(*d.restart_interval_s) + " keeps it under.";
    return text;
}

std::string growth_advice(const Finding& f, std::optional<double> entries_before) {
    std::string text;
    if (entries_before && f.current_entries) {
        const double before = std::max(*entries_before, 1.0);
        const double change = (*f.current_entries - *entries_before) / before;
        if (change > 0.1) {
            text = "Its entry count grows too (" + percent(change) +
                   " over the baseline): the cache has no effective bound. Give it a capacity or an expiry "
                   "(LRU, TTL) sized from its working set.";
        } else {
            text = "Its entry count is flat while its bytes grow: the entries themselves grow (appended "
                   "history, buffers never shrunk). Cap or trim what each entry keeps.";
        }
    } else {
        text = "Memory keeps growing after warm-up and will not level off: find what holds it "
               "(`leakscope run` names the allocation sites that grow).";
    }
    return text;
}

}  // namespace

GaugeAnalysis analyze_gauge(std::string_view name, const Points& points, const MonitorOptions& options,
                            const GaugeOptions& gauge) {
    GaugeAnalysis analysis;
    if (points.size() < std::max<std::size_t>(options.min_points, 3)) return analysis;

    diagnosis::Series series;
    series.t_s.reserve(points.size());
    series.value.reserve(points.size());
    series.value_max.reserve(points.size());
    for (const HistoryPoint& p : points) {
        series.t_s.push_back(p.t_mean());
        series.value.push_back(p.value_mean());
        series.value_max.push_back(p.value_max);
    }
    diagnosis::Options engine;
    engine.limit_bytes = gauge.limit_bytes;
    engine.practical_floor_bytes_per_s = practical_floor(series, 0, options);
    engine.practical_floor_fraction_per_hour = options.practical_floor_fraction_per_hour;
    diagnosis::Diagnosis d = diagnosis::diagnose(series, engine);
    // The growth that counts is the steady state's: after a warm-up, judge it over that stretch only.
    const auto steady_first = static_cast<std::size_t>(
        std::lower_bound(series.t_s.begin(), series.t_s.end(), d.warmup_end_s) - series.t_s.begin());
    if (d.leak && steady_first > 0 && steady_first + 3 <= series.t_s.size()) {
        const double steady_floor = practical_floor(series, steady_first, options);
        if (steady_floor > engine.practical_floor_bytes_per_s) {
            engine.practical_floor_bytes_per_s = steady_floor;
            d = diagnosis::diagnose(series, engine);
        }
    }
    analysis.pattern = public_pattern(d.pattern);
    analysis.leak = d.leak;
    analysis.steady_rate_bytes_per_s = d.steady_rate_bytes_per_s;

    const HistoryPoint& newest = points.back();
    Finding base;
    base.gauge = std::string(name);
    base.pattern = analysis.pattern;
    base.rate_bytes_per_s = d.steady_rate_bytes_per_s;
    base.rate_ci_low_bytes_per_s = d.rate_ci_low_bytes_per_s;
    base.rate_ci_high_bytes_per_s = d.rate_ci_high_bytes_per_s;
    base.baseline_bytes = baseline_level(points, options.baseline_fraction);
    base.current_bytes = newest.value_last;
    if (newest.entries_count > 0) base.current_entries = newest.entries_last;
    base.time_to_limit_s = d.time_to_limit_s;
    base.t_s = newest.t_last;
    const double baseline = std::max(base.baseline_bytes, 1.0);

    // Gradual growth: the engine's steady-state verdict (warm-up, sawtooth and spikes excluded).
    if (d.leak) {
        Finding f = base;
        f.kind = FindingKind::gradual_growth;
        const double growth = (f.current_bytes - f.baseline_bytes) / baseline;
        f.severity = at_least(public_severity(d.severity), Severity::low);
        // A limit within a day is urgent however little evidence there is; otherwise grade by evidence.
        if (!(d.time_to_limit_s && *d.time_to_limit_s < 86400)) {
            const std::size_t first = std::min(steady_first, series.t_s.size() - 1);
            const double needed = growth_that_matters(series, first, options);
            const double watched_growth = d.steady_rate_bytes_per_s * (series.t_s.back() - series.t_s[first]);
            f.severity = at_most(f.severity, evidence_cap(needed > 0 ? watched_growth / needed : INFINITY));
        }
        if (growth > 0.25) f.severity = at_least(f.severity, Severity::medium);
        if (growth > 1.0) f.severity = at_least(f.severity, Severity::high);
        f.summary = f.gauge + " grows " + per_hour(d.steady_rate_bytes_per_s) + " in steady state (" +
                    percent(growth) + " over its baseline of " + byte_text(f.baseline_bytes) + "); pattern " +
                    std::string(to_string(f.pattern)) + ".";
        f.advice = growth_advice(f, baseline_entries(points, options.baseline_fraction)) + limit_advice(d);
        analysis.findings.push_back(std::move(f));
    }

    // Rapid growth: the last window against the usual rate before it.
    const double window_start = newest.t_last - options.rapid_window_s;
    std::size_t first_in_window = points.size();
    while (first_in_window > 0 && points[first_in_window - 1].t_mean() >= window_start) --first_in_window;
    const std::optional<double> recent_rate = slope(points, first_in_window, points.size());
    const std::optional<double> usual = slope(points, 0, first_in_window);
    if (recent_rate && usual) {
        const double usual_rate = std::max(*usual, 0.0);
        const double window_growth = newest.value_last - points[first_in_window].value_mean();
        const bool fast = *recent_rate > options.rapid_factor * usual_rate;
        const bool large = window_growth >= options.rapid_min_growth_fraction * baseline;
        if (fast && large) {
            Finding f = base;
            f.kind = FindingKind::rapid_growth;
            f.rate_bytes_per_s = *recent_rate;
            f.rate_ci_low_bytes_per_s = f.rate_ci_high_bytes_per_s = *recent_rate;
            f.usual_rate_bytes_per_s = usual_rate;
            const double factor = usual_rate > 0 ? *recent_rate / usual_rate : std::numeric_limits<double>::infinity();
            f.severity = factor >= 10 || window_growth >= 0.5 * baseline ? Severity::high : Severity::medium;
            std::string remaining;
            if (gauge.limit_bytes && *gauge.limit_bytes > f.current_bytes) {
                const double seconds = (*gauge.limit_bytes - f.current_bytes) / *recent_rate;
                f.time_to_limit_s = seconds;
                if (seconds < 3600) f.severity = Severity::critical;
                remaining = " If it keeps this pace it reaches the limit in " + duration_text(seconds) + ".";
            }
            char times[48] = "while it was flat before";
            if (!std::isinf(factor)) std::snprintf(times, sizeof times, "%.1fx its usual rate", factor);
            f.summary = f.gauge + " rose " + byte_text(window_growth) + " in the last " +
                        duration_text(newest.t_last - points[first_in_window].t_mean()) + ", " + times + ".";
            f.advice = "Look at what changed just now: a burst of traffic, a cache without a bound filling up, "
                       "a stuck consumer letting work queue up." + remaining;
            analysis.findings.push_back(std::move(f));
        }
    }

    // Sustained high usage: most recent samples above the gauge's threshold.
    if (gauge.high_usage_bytes) {
        const double threshold = *gauge.high_usage_bytes;
        const double start = newest.t_last - options.high_usage_window_s;
        double above = 0, total = 0;
        std::size_t counted = 0;
        for (auto p = points.rbegin(); p != points.rend() && p->t_mean() >= start; ++p, ++counted) {
            total += static_cast<double>(p->count);
            if (p->value_mean() > threshold) above += static_cast<double>(p->count);
        }
        const double fraction = total > 0 ? above / total : 0;
        if (counted >= 3 && fraction >= options.high_usage_fraction) {
            Finding f = base;
            f.kind = FindingKind::sustained_high_usage;
            f.fraction_above_threshold = fraction;
            f.severity = fraction >= 0.95 && f.current_bytes > threshold ? Severity::high : Severity::medium;
            if (gauge.limit_bytes && f.current_bytes >= 0.95 * *gauge.limit_bytes) f.severity = Severity::critical;
            f.summary = f.gauge + " stayed above " + byte_text(threshold) + " in " + percent(fraction) +
                        " of the samples of the last " + duration_text(newest.t_last - std::max(start, points.front().t_first)) +
                        " (now " + byte_text(f.current_bytes) + ").";
            f.advice = d.leak ? "It is also still growing: fix the growth first."
                              : "It is not growing, it is big: lower the cache's capacity, or raise the threshold if "
                                "this is its intended working size.";
            analysis.findings.push_back(std::move(f));
        }
    }

    // Periodic spikes: bounded, but the peaks are what hit a limit.
    if (d.pattern == diagnosis::Pattern::periodic_spikes) {
        Finding f = base;
        f.kind = FindingKind::periodic_spikes;
        f.period_s = d.period_s;
        f.severity = Severity::low;
        const double peak = d.peak_bytes;
        if (gauge.high_usage_bytes && peak > *gauge.high_usage_bytes) f.severity = Severity::medium;
        if (gauge.limit_bytes && peak >= 0.9 * *gauge.limit_bytes) f.severity = Severity::high;
        f.summary = f.gauge + " spikes to " + byte_text(peak) + " from a baseline of " + byte_text(d.baseline_bytes) +
                    (d.period_s ? " every " + duration_text(*d.period_s) : std::string(" repeatedly")) +
                    " and comes back: not a leak.";
        f.advice = "Size limits by the peak, not the average, or spread out the batch that causes the spikes.";
        analysis.findings.push_back(std::move(f));
    }
    return analysis;
}

}  // namespace leakscope::detail
