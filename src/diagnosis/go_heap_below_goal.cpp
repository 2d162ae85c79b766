#include "diagnosis/go_heap_below_goal.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "diagnosis/runtime_heap.hpp"
#include "diagnosis/theil_sen.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {

namespace {

// What RSS holds for each byte of the heap's goal, at most: freed pages the scavenger keeps resident (Go
// retains 10% over the goal), the waste of its size classes (12.5% at most per object), and the runtime's
// own structures beside the heap (span metadata, mark bitmaps); with a margin. Measured on
// examples/patterns/go/session_lru_flat.go: RSS rose 0.86-0.96x its 12.6 MB goal in 16 s and 1.22x in 40 s
// (still creeping: the scavenger returns pages slowly); the goroutine leak's rose 1.35x and 1.65x.
constexpr double kRssPerGoalByte = 1.5;

}  // namespace

bool settled_below_the_goal(ProcessDiagnosis& result, const ProcessSeries& series, const std::string& flat_evidence) {
    if (result.verdict.decided || !series.runtime_heap || !series.runtime_heap->collects_at_goal) return false;
    const ProcessSeries::RuntimeHeap& heap = *series.runtime_heap;
    const Series& rss = series.rss;
    if (rss.value.size() < 2) return false;
    const double rss_rise = rss.value.back() - rss.value.front();
    const double room = kRssPerGoalByte * heap.largest_committed_bytes + heap.level_resolution_bytes;
    if (rss_rise > room) return false;

    std::vector<AfterCollection> levels = levels_after_collections(heap);
    std::erase_if(levels, [&](const AfterCollection& l) { return l.t_s < result.rss.warmup_end_s; });
    if (levels.size() < 2) return false;
    std::vector<double> x, y;
    for (const AfterCollection& l : levels) {
        x.push_back(l.t_s);
        y.push_back(l.used_bytes);
    }
    const SlopeEstimate trend = theil_sen(x, y);
    // Too few collections for Sen's interval (five levels at least): the range of the pairwise paces.
    double low = trend.ci_low, high = trend.ci_high;
    if (!std::isfinite(low) || !std::isfinite(high)) {
        low = high = trend.slope;
        for (std::size_t a = 0; a < x.size(); ++a)
            for (std::size_t b = a + 1; b < x.size(); ++b)
                if (x[b] > x[a]) {
                    low = std::min(low, (y[b] - y[a]) / (x[b] - x[a]));
                    high = std::max(high, (y[b] - y[a]) / (x[b] - x[a]));
                }
    }

    Diagnosis& d = result.verdict;
    // The warm-up is RSS's: the heap filling toward its goal, which it stays under from then on.
    const bool warmed_up = rss_rise > heap.level_resolution_bytes;
    d.pattern = warmed_up ? Pattern::warmup_plateau : Pattern::stable;
    d.warmup_bytes = warmed_up ? rss_rise : 0;
    d.warmup_end_s = levels.front().t_s;
    d.fit_intercept_bytes = d.baseline_bytes = levels.front().used_bytes;
    d.leak = false;
    d.decided = true;
    d.watch_more_s.reset();
    d.severity = Severity::none;
    d.confidence = 0.8;
    d.steady_rate_bytes_per_s = trend.slope;
    d.rate_ci_low_bytes_per_s = std::min(low, trend.slope);
    d.rate_ci_high_bytes_per_s = std::max(high, trend.slope);
    d.trend_p_value = trend_p_value(levels);
    d.time_to_limit_s.reset();
    d.restart_interval_s.reset();
    d.summary = fmt::format(
        "No leak: what the Go runtime's collections found live stayed flat ({}). RSS rose by {} (to {}), within the "
        "room the heap takes up to its next collection (its collector's goal of {}, with the pages and structures beside it).",
        flat_evidence, format_bytes(rss_rise), format_bytes(rss.value.back()), format_bytes(heap.largest_committed_bytes));
    result.metric = "go_heap";
    if (warmed_up) result.warmup_metric = "rss";
    result.trend_evidence = "what each collection found live stayed flat";
    return true;
}

}  // namespace leakscope::diagnosis::detail
