#include "diagnosis/runtime_heap.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "diagnosis/mann_kendall.hpp"
#include "diagnosis/robust_stats.hpp"
#include "diagnosis/severity_projection.hpp"
#include "diagnosis/summary_text.hpp"
#include "diagnosis/theil_sen.hpp"
#include "diagnosis/undecided.hpp"
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
// first, the live set did not grow between them, whatever the young collections' levels did. Unless a
// full collection proves growth at a pace that would add no more than that between them: a leak that
// fills its heap has two full collections a second apart at the end (G1, -Xmx64m, 2 MB/s: 61.5 and
// 64.1 MB 1.3 s apart, after 26 s of climbing from 15 MB).
bool full_collections_show_no_growth(const std::vector<AfterCollection>& levels, const std::optional<ProvenGrowth>& proof) {
    const auto first = std::find_if(levels.begin(), levels.end(), [](const AfterCollection& l) { return l.full; });
    const auto last = std::find_if(levels.rbegin(), levels.rend(), [](const AfterCollection& l) { return l.full; });
    if (first == levels.end() || &*first == &*last) return false;
    const double grown = last->used_bytes - first->used_bytes;
    if (grown >= kProvenGrowthShareOfLevel * first->used_bytes) return false;
    if (!proof) return true;
    const double proven_pace = proof->bytes / (levels[proof->full].t_s - levels[proof->earlier].t_s);
    return grown < 0.5 * proven_pace * (last->t_s - first->t_s);
}

RuntimeHeapFinding full_collection_finding(const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& levels,
                                           const ProvenGrowth& proof, double steady_from_s, const Options& options) {
    const AfterCollection& full = levels[proof.full];
    const AfterCollection& earlier = levels[proof.earlier];
    const std::vector<AfterCollection> from_proof(levels.begin() + static_cast<std::ptrdiff_t>(proof.earlier), levels.end());
    const std::string proven = fmt::format("Its full collection at {} left {} in use, {} more than a collection {} earlier: what is live grew",
                                           format_duration(full.t_s - heap.run_start_s), format_bytes(full.used_bytes),
                                           format_bytes(proof.bytes), format_duration(full.t_s - earlier.t_s));
    if (from_proof.size() < kLevelsForAPace) {
        // Proven, but two levels give a pace without a spread: wait for the collections that measure it.
        const double interval_s = (levels.back().t_s - levels.front().t_s) / static_cast<double>(std::max<std::size_t>(1, levels.size() - 1));
        Diagnosis d = undecided_growth(heap, from_proof, static_cast<double>(kLevelsForAPace - from_proof.size()) * interval_s,
                                       steady_from_s, proof.bytes / (full.t_s - earlier.t_s));
        d.summary = fmt::format("Growing in the {}'s heap. {}, but {} levels after collections are too few for a pace: "
                                "watch at least {} more.",
                                heap.runtime, proven, from_proof.size(), format_duration(*d.watch_more_s));
        return {d, "proven by a full collection, too few collections for a pace"};
    }
    // Levels after young collections overstate what is live by what waits for a full one, so the proven
    // average pace between the two collections of the proof is the floor of the interval.
    Diagnosis d = leak_from_levels(heap, from_proof, from_proof, proof.bytes / (full.t_s - earlier.t_s), steady_from_s, options);
    d.summary = fmt::format("Leak in the {0}'s heap: what survives its collections grows {1}. {2}.{3}{4}", heap.runtime,
                            rate_with_interval(d), proven, projection_sentence(d), maximum_heap_note(heap, d));
    return {d, "proven by a full collection"};
}

// What a full collection left live, at least: the heap in use at `settled` less what the program can have
// allocated since the pause ended (eden's pace over the samples after it, for the time since the last
// sample before the collection). The heap less eden is a lower bound too, but a loose one when the
// collector leaves live objects in eden: Parallel's full collection compacts each space in place
// (java_dataloader_singleton_cache_leak, -XX:+UseParallelGC: eden went 35.4 -> 11.0 MB through its full
// collection and refilled at ~5 MB/s after it, so 11 MB of what was live stayed in eden, and "what survived"
// read 26.6 MB where 37.6 MB was live). 0 where the collector emptied eden (serial, G1: the heap less eden
// is the level there) and when too few samples follow to measure eden's pace.
double live_after_full_collection(const ProcessSeries::RuntimeHeap& heap, std::size_t collected, std::size_t settled,
                                  std::size_t next_collection) {
    const std::size_t last = next_collection - 1;
    if (collected == 0 || last <= settled) return 0;
    const double eden_at_settled = heap.used.value[settled] - heap.survived[settled];
    const double eden_at_last = heap.used.value[last] - heap.survived[last];
    const double pace = std::max(0.0, (eden_at_last - eden_at_settled) / (heap.used.t_s[last] - heap.used.t_s[settled]));
    const double allocated_since = pace * (heap.used.t_s[settled] - heap.used.t_s[collected - 1]);
    // Eden within twice what the program could have allocated since is a collector that emptied it (an
    // average pace is no exact bound: the serial collector's level read 7.77 MB this way, 7.73 MB less eden).
    if (eden_at_settled <= 2 * allocated_since) return 0;
    return heap.used.value[settled] - allocated_since;
}

}  // namespace

std::vector<AfterCollection> levels_after_collections(const ProcessSeries::RuntimeHeap& heap) {
    const std::size_t n = heap.used.t_s.size();
    std::vector<AfterCollection> levels;
    if (heap.used.value.size() != n || heap.collections.size() != n || heap.full_collections.size() != n) return levels;
    const bool markings_known = heap.marking_pauses.size() == n;
    const bool survived_known = heap.survived.size() == n;
    for (std::size_t i = 1; i < n; ++i) {
        const bool full = heap.full_collections[i] > heap.full_collections[i - 1];
        if (!full && !(heap.collections[i] > heap.collections[i - 1])) continue;
        const bool marking = markings_known && heap.marking_pauses[i] > heap.marking_pauses[i - 1];
        std::size_t end = i + 1;
        while (end < n && heap.collections[end] == heap.collections[i] && heap.full_collections[end] == heap.full_collections[i]) ++end;
        if (survived_known) {
            // What survived is the level itself: it moves only at collections (and with objects
            // allocated straight into the old generation), so it does not depend on how long after the
            // collection the sample came, as the heap in use does (eden refills at the program's
            // allocation rate: 20 MB/s put 2-7 MB of noise on each level at 0.1-0.5 s after the pause).
            // The first sample after the count rose may fall inside the pause, before the runtime
            // updated its sizes: the next one, when there is one.
            const std::size_t settled = end - i >= 2 ? i + 1 : i;
            double level = heap.survived[settled];
            if (full) level = std::max(level, live_after_full_collection(heap, i, settled, end));
            levels.push_back({heap.used.t_s[settled], level, full, marking});
            continue;
        }
        // The lowest level until the next collection: the first sample after the count rose may fall
        // inside the pause, before the runtime updated the sizes.
        AfterCollection level{heap.used.t_s[i], heap.used.value[i], full, marking};
        for (std::size_t j = i + 1; j < end; ++j)
            if (heap.used.value[j] < level.used_bytes) level = {heap.used.t_s[j], heap.used.value[j], full, marking};
        levels.push_back(level);
    }
    return levels;
}

double trend_p_value(const std::vector<AfterCollection>& levels) {
    if (levels.size() < 3) return 1.0;
    std::vector<double> x, y;
    for (const AfterCollection& l : levels) {
        x.push_back(l.t_s);
        y.push_back(l.used_bytes);
    }
    return mann_kendall(x, y).p_value;
}

SlopeEstimate levels_pace(const std::vector<AfterCollection>& points, const Options& options) {
    std::vector<double> x, y;
    for (const AfterCollection& p : points) {
        x.push_back(p.t_s);
        y.push_back(p.used_bytes);
    }
    SlopeEstimate pace = theil_sen(x, y, {.confidence_level = options.confidence_level});
    if (std::isfinite(pace.ci_low) && std::isfinite(pace.ci_high)) return pace;
    // Too few levels for Sen's interval (five at least): the range of the pairwise paces.
    pace.ci_low = pace.ci_high = pace.slope;
    for (std::size_t a = 0; a < x.size(); ++a)
        for (std::size_t b = a + 1; b < x.size(); ++b)
            if (x[b] > x[a]) {
                pace.ci_low = std::min(pace.ci_low, (y[b] - y[a]) / (x[b] - x[a]));
                pace.ci_high = std::max(pace.ci_high, (y[b] - y[a]) / (x[b] - x[a]));
            }
    return pace;
}

Diagnosis leak_from_levels(const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& points,
                           const std::vector<AfterCollection>& trend_levels, double floor_rate, double steady_from_s,
                           const Options& options) {
    const SlopeEstimate trend = levels_pace(points, options);

    Diagnosis d;
    d.pattern = Pattern::linear_growth;
    d.leak = true;
    d.decided = true;
    d.confidence = 0.9;
    d.steady_rate_bytes_per_s = std::max(trend.slope, floor_rate);
    d.rate_ci_low_bytes_per_s = std::clamp(trend.ci_low, floor_rate, d.steady_rate_bytes_per_s);
    d.rate_ci_high_bytes_per_s = std::max(trend.ci_high, d.steady_rate_bytes_per_s);
    d.trend_p_value = trend_p_value(trend_levels);
    d.warmup_end_s = steady_from_s;
    d.fit_intercept_bytes = d.baseline_bytes = points.front().used_bytes;
    d.peak_bytes = *std::max_element(heap.used.value.begin(), heap.used.value.end());
    d.final_bytes = heap.used.value.back();
    if (heap.max_bytes) {
        const std::size_t tail = std::max<std::size_t>(1, heap.used.value.size() / 20);
        const PeakLine peaks{.at_steady_start = d.baseline_bytes,
                             .at_end = *std::max_element(heap.used.value.end() - static_cast<std::ptrdiff_t>(tail), heap.used.value.end())};
        project(d, true, peaks, heap.used.t_s.front(), heap.used.value, heap.max_bytes);
    }
    std::vector<double> levels;
    for (const AfterCollection& p : points) levels.push_back(p.used_bytes);
    d.severity = grade(d, true, median(levels));
    return d;
}

std::string maximum_heap_note(const ProcessSeries::RuntimeHeap& heap, const Diagnosis& d) {
    if (!heap.max_bytes || !d.time_to_limit_s) return "";
    return fmt::format(" The limit is the {}'s maximum heap: past it, it runs out of memory.", heap.runtime);
}

Diagnosis undecided_growth(const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& points, double watch_s,
                           double steady_from_s, double floor_rate) {
    Diagnosis d;
    d.pattern = Pattern::linear_growth;  // the shape seen so far
    d.leak = false;
    d.decided = false;
    d.watch_more_s = whole_minutes(watch_s);
    d.confidence = 0.5;
    const AfterCollection& first = points.front();
    const AfterCollection& last = points.back();
    d.steady_rate_bytes_per_s = last.t_s > first.t_s ? (last.used_bytes - first.used_bytes) / (last.t_s - first.t_s) : 0;
    // Levels after collections bound what is live from above: what is live grew at most as fast as the
    // steepest pair of them, and at least as fast as a full collection proves (else not at all, yet).
    d.rate_ci_low_bytes_per_s = floor_rate;
    d.rate_ci_high_bytes_per_s = d.steady_rate_bytes_per_s;
    for (std::size_t a = 0; a < points.size(); ++a)
        for (std::size_t b = a + 1; b < points.size(); ++b)
            if (points[b].t_s > points[a].t_s)
                d.rate_ci_high_bytes_per_s = std::max(d.rate_ci_high_bytes_per_s, (points[b].used_bytes - points[a].used_bytes) / (points[b].t_s - points[a].t_s));
    d.limit_bytes = heap.max_bytes;  // what it would run into; no projection from an undecided pace
    d.trend_p_value = trend_p_value(points);
    d.warmup_end_s = steady_from_s;
    d.fit_intercept_bytes = d.baseline_bytes = first.used_bytes;
    d.peak_bytes = *std::max_element(heap.used.value.begin(), heap.used.value.end());
    d.final_bytes = heap.used.value.back();
    d.severity = Severity::none;
    return d;
}

std::optional<std::string> runtime_heap_proven_flat(const ProcessSeries::RuntimeHeap& heap, double steady_from_s) {
    std::vector<AfterCollection> levels = levels_after_collections(heap);
    std::erase_if(levels, [&](const AfterCollection& l) { return l.t_s < steady_from_s; });
    const double start_s = heap.run_start_s;
    const std::optional<ProvenGrowth> proof = prove_growth(levels);
    if (full_collections_show_no_growth(levels, proof)) {
        const auto first = std::find_if(levels.begin(), levels.end(), [](const AfterCollection& l) { return l.full; });
        const auto last = std::find_if(levels.rbegin(), levels.rend(), [](const AfterCollection& l) { return l.full; });
        return fmt::format("its full collections left {} in use at {} and {} at {}", format_bytes(first->used_bytes),
                           format_duration(first->t_s - start_s), format_bytes(last->used_bytes), format_duration(last->t_s - start_s));
    }
    if (proof) return std::nullopt;
    const std::vector<AfterCollection> band = lows_in_one_band(levels);
    if (band.empty()) return std::nullopt;
    return fmt::format("what its last {} collections of the old generation left stayed in one band: {}", band.size(),
                       levels_text(band));
}

std::optional<RuntimeHeapFinding> runtime_heap_leak(const ProcessSeries::RuntimeHeap& heap, double steady_from_s, const Options& options) {
    std::vector<AfterCollection> levels = levels_after_collections(heap);
    std::erase_if(levels, [&](const AfterCollection& l) { return l.t_s < steady_from_s; });
    const std::optional<ProvenGrowth> proof = prove_growth(levels);
    if (full_collections_show_no_growth(levels, proof)) return std::nullopt;
    if (proof) return full_collection_finding(heap, levels, *proof, steady_from_s, options);
    return judge_reclamation_lows(heap, levels, steady_from_s, options);
}

}  // namespace leakscope::diagnosis::detail
