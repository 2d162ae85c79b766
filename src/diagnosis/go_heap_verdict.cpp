#include "diagnosis/go_heap_verdict.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "diagnosis/runtime_heap.hpp"
#include "diagnosis/summary_text.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// What RSS holds for each byte of the heap's goal, at most: freed pages the scavenger keeps resident (Go
// retains 10% over the goal), the waste of its size classes (12.5% at most per object), and the runtime's
// own structures beside the heap (span metadata, mark bitmaps); with a margin. Measured on
// examples/patterns/go/session_lru_flat.go: RSS rose 0.86-0.96x its 12.6 MB goal in 16 s and 1.22x in 40 s
// (still creeping: the scavenger returns pages slowly); the goroutine leak's rose 1.35x and 1.65x.
constexpr double kRssPerGoalByte = 1.5;
/// The levels must reach into the run's last third: a heap that stopped collecting long before the end (a
/// cache that filled early, then no collection until exit) says nothing about the end.
constexpr double kRecentShareOfRun = 1.0 / 3;
/// A leak keeps its pace: the later half of the levels climbs at least this share of the earlier half's pace
/// (a cache filling toward its size slows down).
constexpr double kKeptPaceShare = 0.5;

struct LevelTrend {
    double slope = 0;
    double ci_low = 0;
    double ci_high = 0;
    double p_value = 1;
    double span_s = 0;
};

LevelTrend trend_of(const std::vector<AfterCollection>& levels, const Options& options) {
    const SlopeEstimate pace = levels_pace(levels, options);
    return {pace.slope, pace.ci_low, pace.ci_high, trend_p_value(levels), levels.back().t_s - levels.front().t_s};
}

/// Each half's rise is known to a level's resolution: the later half is given it, the earlier half is
/// charged it (a leak's 15, 15, 16 MiB at the end read as a slowdown otherwise).
bool keeps_its_pace(const std::vector<AfterCollection>& levels, double resolution) {
    const std::size_t middle = levels.size() / 2, last = levels.size() - 1;
    const double earlier_s = levels[middle].t_s - levels[0].t_s, later_s = levels[last].t_s - levels[middle].t_s;
    if (!(earlier_s > 0) || !(later_s > 0)) return false;
    const double earlier = (levels[middle].used_bytes - levels[0].used_bytes) / earlier_s;
    const double earlier_at_least = std::max(0.0, levels[middle].used_bytes - levels[0].used_bytes - resolution) / earlier_s;
    const double later_at_most = (levels[last].used_bytes - levels[middle].used_bytes + resolution) / later_s;
    return earlier > 0 && later_at_most >= kKeptPaceShare * earlier_at_least;
}

/// The levels' climb at the end of the run: the longest run of levels that never fell, ending with the last,
/// from the last level of its starting plateau (a leak that began late: a webhook relay's shutdown hooks kept
/// from 6.4 s on, its collections finding 12 MiB until then and 13, 14, 15, 15, 16 MiB after: whole mebibytes
/// repeat a level now and then). Empty when it did not rise.
std::vector<AfterCollection> final_climb(const std::vector<AfterCollection>& levels) {
    if (levels.size() < 2) return {};
    std::size_t from = levels.size() - 1;
    while (from > 0 && levels[from - 1].used_bytes <= levels[from].used_bytes) --from;
    while (from + 1 < levels.size() && levels[from + 1].used_bytes == levels[from].used_bytes) ++from;
    if (from + 1 >= levels.size() || !(levels.back().used_bytes > levels[from].used_bytes)) return {};
    return {levels.begin() + static_cast<std::ptrdiff_t>(from), levels.end()};
}

/// No trend across the levels, and RSS within what the heap can take up to its goal: no leak.
void settled(ProcessDiagnosis& result, const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& levels,
             const LevelTrend& trend, double rss_rise, double rss_end) {
    Diagnosis& d = result.verdict;
    std::vector<double> values;
    for (const AfterCollection& l : levels) values.push_back(l.used_bytes);
    std::sort(values.begin(), values.end());
    const double median = values[values.size() / 2];
    // A live set that swings by more than its median between collections is a batch filled and flushed.
    const bool swings = values.back() - values.front() > std::max(median, 2 * heap.level_resolution_bytes);
    const bool warmed_up = rss_rise > heap.level_resolution_bytes;
    d.pattern = swings ? Pattern::bounded_sawtooth : warmed_up ? Pattern::warmup_plateau : Pattern::stable;
    d.leak = false;
    d.decided = true;
    d.watch_more_s.reset();
    d.severity = Severity::none;
    d.confidence = 0.8;
    // Levels in whole mebibytes hide any pace that moves them by less than one over their span: Sen's
    // interval of equal levels is [0, 0], which would claim a precision the figures do not have (a card
    // service leaking 71 kB/s on a 43 MB heap read 43, 43, 43 MiB over 12 s). The interval holds that pace.
    const double hidden_pace = trend.span_s > 0 ? heap.level_resolution_bytes / trend.span_s : 0.0;
    d.steady_rate_bytes_per_s = trend.slope;
    d.rate_ci_low_bytes_per_s = std::min({trend.ci_low, trend.slope, trend.slope - hidden_pace});
    d.rate_ci_high_bytes_per_s = std::max({trend.ci_high, trend.slope, trend.slope + hidden_pace});
    d.trend_p_value = trend.p_value;
    d.warmup_bytes = warmed_up && !swings ? rss_rise : 0;
    d.warmup_end_s = levels.front().t_s;
    d.fit_intercept_bytes = d.baseline_bytes = median;
    d.time_to_limit_s.reset();
    d.restart_interval_s.reset();
    const std::string hidden = hidden_pace > 0 ? fmt::format("; over the {} they span, a leak slower than {} would not have moved them "
                                                             "by one of their whole mebibytes",
                                                             format_duration(trend.span_s), format_rate(hidden_pace))
                                               : "";
    const std::string found = swings ? fmt::format("swung between {} and {} with the program's batches, with no trend ({} collections)",
                                                   format_bytes(values.front()), format_bytes(values.back()), levels.size())
                                     : fmt::format("stayed flat ({}{})", levels_text(levels), hidden);
    d.summary = fmt::format(
        "No leak: what the Go runtime's collections found live {}. RSS rose by {} (to {}), within the room the heap takes "
        "up to its next collection (its collector's goal of {}, with the pages and structures beside it).",
        found, format_bytes(rss_rise), format_bytes(rss_end), format_bytes(heap.largest_committed_bytes));
    result.metric = "go_heap";
    result.warmup_metric = warmed_up && !swings ? "rss" : "";
    result.trend_evidence = swings ? "what each collection found live swings, with no trend" : "what each collection found live stayed flat";
}

/// Why the collections cannot decide yet, for the summary.
std::string why_undecided(const std::vector<AfterCollection>& levels, const LevelTrend& trend, bool recent, bool rss_within_room,
                          double resolution) {
    if (levels.size() < 3) return "too few collections since the warm-up to tell";
    bool rising = true;
    for (std::size_t i = 1; i < levels.size(); ++i) rising &= levels[i].used_bytes > levels[i - 1].used_bytes;
    if (trend.slope > 0 && (rising || trend.p_value < kTrendProvenP)) {
        if (levels.size() < kLevelsForATrend) return "a climb, over too few collections to call it a leak's";
        if (!recent) return "a climb, but no collection in the last third of the run";
        if (!keeps_its_pace(levels, resolution)) return "a climb that slows down, as a cache filling does";
        return "a rise too small for the figures' whole mebibytes to pace";
    }
    if (!recent) return "no collection in the last third of the run";
    if (!rss_within_room) return "no trend, but RSS rose more than the heap can hold: memory outside it";
    return "no clear trend yet";
}

}  // namespace

void judge_go_heap(ProcessDiagnosis& result, const ProcessSeries& series, const Options& options) {
    const ProcessSeries::RuntimeHeap& heap = *series.runtime_heap;
    const Series& rss = series.rss;
    if (rss.value.size() < 2) return;
    const double steady_from_s = result.rss.warmup_end_s;
    std::vector<AfterCollection> levels = levels_after_collections(heap);
    std::erase_if(levels, [&](const AfterCollection& l) { return l.t_s < steady_from_s; });
    const double run_start = rss.t_s.front(), run_end = rss.t_s.back();
    const bool recent = !levels.empty() && levels.back().t_s >= run_end - kRecentShareOfRun * (run_end - run_start);
    const double rss_rise = rss.value.back() - rss.value.front();
    const bool rss_within_room = rss_rise <= kRssPerGoalByte * heap.largest_committed_bytes + heap.level_resolution_bytes;
    const double resolution = heap.level_resolution_bytes;

    LevelTrend trend;
    if (levels.size() >= 2) trend = trend_of(levels, options);
    const auto leak_over = [&](const std::vector<AfterCollection>& points, const LevelTrend& points_trend) {
        return points.size() >= kLevelsForATrend && recent && points_trend.ci_low > 0 && keeps_its_pace(points, resolution) &&
               points.back().used_bytes - points.front().used_bytes > resolution;
    };
    // The whole steady part climbs (Mann-Kendall proves it), or its end has climbed level after level over a
    // good part of the run (a late onset, whose flat start holds Sen's median at zero). A batch filled over
    // a few collections and flushed climbs too, for a moment of the run.
    std::vector<AfterCollection> climb = final_climb(levels);
    const bool late_climb = !climb.empty() && climb.back().t_s - climb.front().t_s >= kRecentShareOfRun * (run_end - run_start);
    const LevelTrend climb_trend = climb.size() >= 2 ? trend_of(climb, options) : LevelTrend{};
    const bool whole = leak_over(levels, trend) && trend.p_value < kTrendProvenP;
    if (whole || (late_climb && leak_over(climb, climb_trend))) {
        const std::vector<AfterCollection>& points = whole ? levels : climb;
        Diagnosis d = leak_from_levels(heap, points, points, 0, steady_from_s, options);
        if (!whole) d.onset_s = points.front().t_s;
        d.summary = fmt::format("Leak in the Go runtime's heap: what its collections found live grows {} ({}, from {} to {}).",
                                rate_with_interval(d), levels_text(points), format_duration(points.front().t_s - heap.run_start_s),
                                format_duration(points.back().t_s - heap.run_start_s));
        result.verdict = d;
        result.metric = "go_heap";
        result.trend_evidence = fmt::format("what each of {} collections found live climbs", points.size());
        return;
    }
    if (levels.size() >= 3 && recent && trend.p_value >= kTrendProvenP && std::abs(trend.slope) * trend.span_s <= resolution &&
        rss_within_room) {
        settled(result, heap, levels, trend, rss_rise, rss.value.back());
        return;
    }
    // Neither. RSS's decided verdict stands where the heap cannot explain it (growth beyond what the heap can
    // hold is outside it) or where the collections saw nothing to wait for; else the wait is the collections'.
    const bool growth_seen = levels.size() >= 2 && trend.slope > 0 && levels.back().used_bytes - levels.front().used_bytes > resolution;
    const Diagnosis& said = result.verdict;
    if (said.decided && said.leak && !rss_within_room) return;
    if (said.decided && !said.leak && !growth_seen) return;
    // The collections still needed (kLevelsForATrend in all) at the pace the run saw them, a minute at least.
    const std::vector<AfterCollection> all_levels = levels_after_collections(heap);
    const double spacing_s = all_levels.size() >= 2 ? (all_levels.back().t_s - all_levels.front().t_s) / static_cast<double>(all_levels.size() - 1)
                                                    : run_end - run_start;
    const double wait_s = std::max(60.0, spacing_s * static_cast<double>(kLevelsForATrend - std::min(levels.size(), kLevelsForATrend - 1)));
    const std::string rss_said = said.summary;
    Diagnosis d = levels.empty() ? said : undecided_growth(heap, levels, wait_s, steady_from_s);
    make_undecided(d, wait_s);
    if (levels.empty())
        d.summary = fmt::format("Undecided: the Go runtime has not collected since the warm-up ended at {}{}: watch at least {} more. "
                                "RSS alone said: {}",
                                format_duration(steady_from_s - heap.run_start_s),
                                all_levels.empty() ? std::string()
                                                   : fmt::format(" (its last collection, at {}, found {} live)",
                                                                 format_duration(all_levels.back().t_s - heap.run_start_s),
                                                                 format_bytes(all_levels.back().used_bytes)),
                                format_duration(*d.watch_more_s), rss_said);
    else
        d.summary = fmt::format("Undecided: the Go runtime's collections found {} live since the warm-up: {}. Watch at least {} more. "
                                "RSS alone said: {}",
                                levels_text(levels), why_undecided(levels, trend, recent, rss_within_room, resolution),
                                format_duration(*d.watch_more_s), rss_said);
    result.verdict = d;
    result.metric = levels.empty() ? result.metric : "go_heap";
    result.trend_evidence = "the collections cannot tell yet";
}

}  // namespace leakscope::diagnosis::detail
