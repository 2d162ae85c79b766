#include "diagnosis/runtime_heap.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "diagnosis/mann_kendall.hpp"
#include "diagnosis/robust_stats.hpp"
#include "diagnosis/severity_projection.hpp"
#include "diagnosis/summary_text.hpp"
#include "diagnosis/theil_sen.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// Growth of what is live, proven by a full collection: live(earlier) <= earlier level, and the full
// collection's level is what was live at its time.
struct ProvenGrowth {
    std::size_t earlier = 0;  ///< index into the levels
    std::size_t full = 0;
    double bytes = 0;
};

std::optional<ProvenGrowth> prove_growth(const std::vector<AfterCollection>& levels) {
    std::optional<ProvenGrowth> best;
    for (std::size_t k = 1; k < levels.size(); ++k) {
        if (!levels[k].full) continue;
        for (std::size_t j = 0; j < k; ++j) {
            const double grown = levels[k].used_bytes - levels[j].used_bytes;
            if (grown < kProvenGrowthShareOfLevel * levels[j].used_bytes) continue;
            if (!best || grown > best->bytes) best = ProvenGrowth{j, k, grown};
        }
    }
    return best;
}

// Two full collections measure what is live twice: when the later one left about as much in use as the
// first, the live set did not grow between them, whatever the young collections' levels did.
bool full_collections_show_no_growth(const std::vector<AfterCollection>& levels) {
    const auto first = std::find_if(levels.begin(), levels.end(), [](const AfterCollection& l) { return l.full; });
    const auto last = std::find_if(levels.rbegin(), levels.rend(), [](const AfterCollection& l) { return l.full; });
    if (first == levels.end() || &*first == &*last) return false;
    return last->used_bytes - first->used_bytes < kProvenGrowthShareOfLevel * first->used_bytes;
}

}  // namespace

std::vector<AfterCollection> levels_after_collections(const ProcessSeries::RuntimeHeap& heap) {
    const std::size_t n = heap.used.t_s.size();
    std::vector<AfterCollection> levels;
    if (heap.used.value.size() != n || heap.collections.size() != n || heap.full_collections.size() != n) return levels;
    for (std::size_t i = 1; i < n; ++i) {
        const bool full = heap.full_collections[i] > heap.full_collections[i - 1];
        if (!full && !(heap.collections[i] > heap.collections[i - 1])) continue;
        // The lowest level until the next collection: the first sample after the count rose may fall
        // inside the pause, before the runtime updated the sizes.
        AfterCollection level{heap.used.t_s[i], heap.used.value[i], full};
        for (std::size_t j = i + 1; j < n && heap.collections[j] == heap.collections[i] && heap.full_collections[j] == heap.full_collections[i]; ++j)
            if (heap.used.value[j] < level.used_bytes) level = {heap.used.t_s[j], heap.used.value[j], full};
        levels.push_back(level);
    }
    return levels;
}

std::optional<Diagnosis> runtime_heap_leak(const ProcessSeries::RuntimeHeap& heap, double steady_from_s, const Options& options) {
    std::vector<AfterCollection> levels = levels_after_collections(heap);
    std::erase_if(levels, [&](const AfterCollection& l) { return l.t_s < steady_from_s; });
    if (full_collections_show_no_growth(levels)) return std::nullopt;
    const std::optional<ProvenGrowth> proof = prove_growth(levels);
    // Three levels at least from the proof's earlier one on: two give a pace but no spread around it.
    if (!proof || levels.size() - proof->earlier < kLevelsForAPace) return std::nullopt;

    // The pace: the trend of every level from the earlier one of the proof on. Levels after young
    // collections overstate what is live by what waits for a full one, so the proven average pace
    // between the two collections of the proof is the floor of the interval.
    std::vector<double> x, y;
    for (std::size_t i = proof->earlier; i < levels.size(); ++i) {
        x.push_back(levels[i].t_s);
        y.push_back(levels[i].used_bytes);
    }
    const double proven_rate = proof->bytes / (levels[proof->full].t_s - levels[proof->earlier].t_s);
    const SlopeEstimate trend = theil_sen(x, y, {.confidence_level = options.confidence_level});
    std::vector<double> pairwise;
    for (std::size_t a = 0; a < x.size(); ++a)
        for (std::size_t b = a + 1; b < x.size(); ++b) pairwise.push_back((y[b] - y[a]) / (x[b] - x[a]));

    Diagnosis d;
    d.pattern = Pattern::linear_growth;
    d.leak = true;
    d.decided = true;
    d.confidence = 0.9;
    d.steady_rate_bytes_per_s = std::max(trend.slope, proven_rate);
    // Too few collections for Sen's interval (five levels at least): the range of the pairwise paces.
    d.rate_ci_low_bytes_per_s = std::isfinite(trend.ci_low) ? trend.ci_low : *std::min_element(pairwise.begin(), pairwise.end());
    d.rate_ci_high_bytes_per_s = std::isfinite(trend.ci_high) ? trend.ci_high : *std::max_element(pairwise.begin(), pairwise.end());
    d.rate_ci_low_bytes_per_s = std::clamp(d.rate_ci_low_bytes_per_s, proven_rate, d.steady_rate_bytes_per_s);
    d.rate_ci_high_bytes_per_s = std::max(d.rate_ci_high_bytes_per_s, d.steady_rate_bytes_per_s);
    d.trend_p_value = x.size() >= 3 ? mann_kendall(x, y).p_value : 1.0;
    d.warmup_end_s = steady_from_s;
    d.fit_intercept_bytes = d.baseline_bytes = levels[proof->earlier].used_bytes;
    d.peak_bytes = *std::max_element(heap.used.value.begin(), heap.used.value.end());
    d.final_bytes = heap.used.value.back();
    if (heap.max_bytes) {
        const std::size_t tail = std::max<std::size_t>(1, heap.used.value.size() / 20);
        const PeakLine peaks{.at_steady_start = d.baseline_bytes,
                             .at_end = *std::max_element(heap.used.value.end() - static_cast<std::ptrdiff_t>(tail), heap.used.value.end())};
        project(d, true, peaks, heap.used.t_s.front(), heap.used.value, heap.max_bytes);
    }
    d.severity = grade(d, true, median(y));
    const AfterCollection& full = levels[proof->full];
    const AfterCollection& earlier = levels[proof->earlier];
    d.summary = fmt::format(
        "Leak in the {0}'s heap: what survives its collections grows {1}. Its full collection at {2} left {3} in use, "
        "{4} more than a collection {5} earlier: what is live grew.{6}{7}",
        heap.runtime, rate_with_interval(d), format_duration(full.t_s - heap.used.t_s.front()), format_bytes(full.used_bytes),
        format_bytes(proof->bytes), format_duration(full.t_s - earlier.t_s), projection_sentence(d),
        heap.max_bytes && d.time_to_limit_s ? fmt::format(" The limit is the {}'s maximum heap: past it, it runs out of memory.", heap.runtime)
                                            : std::string{});
    return d;
}

}  // namespace leakscope::diagnosis::detail
