// measure_cycles / measure_steps: run the body, read the live heap between cycles, diagnose the series.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "api/cycle_engine.hpp"
#include "api/cycle_summary.hpp"
#include "api/heap_probe.hpp"
#include "api/site_growth.hpp"
#include "api/tracker_link.hpp"
#include "api/verdict_mapping.hpp"
#include "diagnosis/diagnosis.hpp"
#include "leakscope/cycles.hpp"

namespace leakscope::detail {

namespace {

std::vector<std::size_t> cycles_within(std::vector<std::size_t> wanted, std::size_t cycles) {
    std::erase_if(wanted, [cycles](std::size_t c) { return c > cycles; });
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    return wanted;
}

/// Site snapshots: the user's snapshot cycles plus fixed fractions of the run, so that whatever the
/// warm-up turns out to be there is a snapshot soon after it to measure growth from.
std::vector<std::size_t> site_snapshot_cycles(const std::vector<std::size_t>& snapshot_cycles, std::size_t cycles) {
    std::vector<std::size_t> at = snapshot_cycles;
    for (const double fraction : {0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0})
        at.push_back(static_cast<std::size_t>(fraction * static_cast<double>(cycles)));
    return cycles_within(std::move(at), cycles);
}

/// The commonest warm-up of a cycle test happens in the first cycle (lazy singletons, a JIT, pools).
/// The engine can miss it when the growth after it is irregular (malloc reusing fragmented chunks),
/// although its own steady-state line shows it. So: when the engine reports no warm-up, and the first
/// cycle alone grew by more than 1% of the heap above what the steady rate explains, and landed on the
/// steady line, that first-cycle growth is the warm-up. Only the first step is looked at, so a
/// staircase or accelerating growth cannot pass for a warm-up here.
void add_first_cycle_warmup(CycleResult& result, const diagnosis::Diagnosis& d) {
    const std::vector<double>& cycle = result.series_cycle;
    const std::vector<double>& bytes = result.series_bytes;
    if (bytes.size() < 8) return;
    const double rate = d.steady_rate_bytes_per_s;
    const auto steady_line = [&](double c) { return d.fit_intercept_bytes + rate * (c - d.warmup_end_s); };
    const double tolerance = 0.01 * std::fabs(bytes.back());
    const double first_step = bytes[1] - bytes[0] - rate * (cycle[1] - cycle[0]);
    if (first_step <= tolerance || std::fabs(bytes[1] - steady_line(cycle[1])) > tolerance) return;
    result.warmup_bytes = first_step;
    result.warmup_cycles = cycle[1];
    if (result.pattern == Pattern::stable) result.pattern = Pattern::warmup_plateau;
}

void diagnose_series(CycleResult& result, const MeasureOptions& options) {
    const diagnosis::Diagnosis d = diagnosis::diagnose(cycle_series(result), cycle_engine_options(options));

    result.pattern = public_pattern(d.pattern);
    result.severity = public_severity(d.severity);
    result.confidence = d.confidence;
    result.warmup_bytes = d.warmup_bytes;
    result.warmup_cycles = d.warmup_end_s;
    result.bytes_per_cycle = d.rate_bytes_per_event.value_or(d.steady_rate_bytes_per_s);
    result.ci_low = d.rate_per_event_ci_low.value_or(d.rate_ci_low_bytes_per_s);
    result.ci_high = d.rate_per_event_ci_high.value_or(d.rate_ci_high_bytes_per_s);
    result.leak = d.leak && result.bytes_per_cycle >= options.min_bytes_per_cycle;
    if (result.warmup_bytes <= 0) add_first_cycle_warmup(result, d);
}

}  // namespace

diagnosis::Series cycle_series(const CycleResult& result) {
    diagnosis::Series series;
    series.t_s = result.series_cycle;  // "time" is the cycle number, so rates are per cycle
    series.value = result.series_bytes;
    series.events = result.series_cycle;
    return series;
}

diagnosis::Options cycle_engine_options(const MeasureOptions& options) {
    diagnosis::Options engine;
    engine.confidence_level = options.confidence_level;
    engine.practical_floor_bytes_per_s = options.min_bytes_per_cycle;
    // A fraction of the heap "per hour" means nothing per cycle; the absolute floor is the rule.
    engine.practical_floor_fraction_per_hour = 0;
    return engine;
}

CycleResult measure(std::size_t cycles, BodyRef body, const MeasureOptions& options, const char* unit) {
    CycleResult result;
    result.unit = unit;
    result.cycles = cycles;
    const std::optional<HeapProbe> probe = HeapProbe::open(options.source);
    if (!probe) {
        result.summary = options.source == HeapSource::tracker
                             ? "Not measured: the tracker is not loaded (run the test under `leakscope run`)."
                             : "Not measured: this C library has no mallinfo2(); run under `leakscope run`.";
        return result;
    }
    result.source = probe->name();

    // Everything the loop stores is allocated before it, so the measurement does not measure itself.
    const std::size_t max_points = std::max<std::size_t>(options.max_points, 3);
    const std::size_t stride = std::max<std::size_t>(1, (cycles + max_points - 2) / (max_points - 1));
    result.series_cycle.reserve(cycles / stride + 2);
    result.series_bytes.reserve(cycles / stride + 2);
    const std::vector<std::size_t> snapshot_at = cycles_within(options.snapshot_cycles, cycles);
    result.snapshots.reserve(snapshot_at.size());
    const TrackerLink& tracker = tracker_link();
    std::optional<SiteGrowth> sites;
    if (probe->uses_tracker() && tracker.sites && options.max_sites > 0)
        sites.emplace(tracker.sites, site_snapshot_cycles(snapshot_at, cycles));
    const auto count_event = probe->uses_tracker() && options.count_events ? tracker.add_events : nullptr;

    std::size_t next_snapshot = 0;
    auto observe = [&](std::size_t cycle) {
        const bool point = cycle % stride == 0 || cycle == cycles;
        const bool snapshot = next_snapshot < snapshot_at.size() && snapshot_at[next_snapshot] == cycle;
        if (sites && sites->next_cycle() == cycle) sites->take();
        if (!point && !snapshot) return;
        const std::optional<double> live = probe->live_bytes();
        if (!live) return;
        if (point) {
            result.series_cycle.push_back(static_cast<double>(cycle));
            result.series_bytes.push_back(*live);
        }
        if (snapshot) result.snapshots.push_back(Snapshot{snapshot_at[next_snapshot++], *live});
    };

    const auto started = std::chrono::steady_clock::now();
    observe(0);
    for (std::size_t cycle = 1; cycle <= cycles; ++cycle) {
        body.call(body.object);
        if (count_event) count_event(1);
        observe(cycle);
    }
    result.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (!result.series_bytes.empty())
        result.total_growth_bytes = result.series_bytes.back() - result.series_bytes.front();
    diagnose_series(result, options);
    if (sites) result.sites = sites->top_growing(result.warmup_cycles, options.max_sites);
    result.summary = cycle_summary(result);
    return result;
}

}  // namespace leakscope::detail
