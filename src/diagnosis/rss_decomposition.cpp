#include "diagnosis/rss_decomposition.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "diagnosis/mann_kendall.hpp"
#include "diagnosis/page_granular_growth.hpp"
#include "diagnosis/rss_explanation.hpp"

namespace leakscope::diagnosis::detail {
namespace {

using Rate = ProcessDiagnosis::Decomposition::Rate;

// Fewer of the heap's readings in the window than this make no trend worth testing.
constexpr std::size_t kFewestReadings = 5;
// At most this many readings enter a part's trend test (evenly spaced): Mann–Kendall is O(n²), and the
// heap is read every sample, ten a second, for hours.
constexpr std::size_t kMostReadings = 2000;

/// A series' value at `t_s`, linear between its points (its first or last value outside them).
double value_at(const Series& series, double t_s) {
    const auto after = std::lower_bound(series.t_s.begin(), series.t_s.end(), t_s);
    if (after == series.t_s.begin()) return series.value.front();
    if (after == series.t_s.end()) return series.value.back();
    const auto i = static_cast<std::size_t>(after - series.t_s.begin());
    if (series.t_s[i] == t_s) return series.value[i];
    const double w = (t_s - series.t_s[i - 1]) / (series.t_s[i] - series.t_s[i - 1]);
    return series.value[i - 1] + w * (series.value[i] - series.value[i - 1]);
}

/// A part at the heap's readings `at` (indices into its grid), where `part(i)` is known.
template <typename Part>
Series part_series(const std::vector<double>& t_s, const std::vector<std::size_t>& at, Part part) {
    Series series;
    for (const std::size_t i : at) {
        const double value = part(i);
        if (!std::isfinite(value)) continue;
        series.t_s.push_back(t_s[i]);
        series.value.push_back(value);
    }
    return series;
}

/// At most kMostReadings of `readings`, evenly spaced.
Series thinned(const Series& readings) {
    const std::size_t n = readings.t_s.size();
    if (n <= kMostReadings) return readings;
    Series few;
    for (std::size_t k = 0; k < kMostReadings; ++k) {
        const std::size_t i = k * (n - 1) / (kMostReadings - 1);
        few.t_s.push_back(readings.t_s[i]);
        few.value.push_back(readings.value[i]);
    }
    return few;
}

/// `change` over the window as a rate, changed when the readings' trend is significant the same way.
Rate rate_of_change(const Series& readings, double change, double window_s, double confidence_level) {
    Rate rate;
    if (readings.t_s.size() < kFewestReadings || !(window_s > 0)) return rate;
    const Series tested = thinned(readings);
    const TrendTest trend = mann_kendall(tested.t_s, tested.value);
    rate.bytes_per_s = change / window_s;
    rate.trend_p_value = trend.p_value;
    rate.changed = trend.p_value < 1 - confidence_level && change != 0 && (change > 0) == (trend.s > 0);
    return rate;
}

/// The part's change between its levels at both ends of the window, over the time between them.
Rate rate_of(const Series& part, double from_s, double to_s, double confidence_level) {
    return rate_of_change(part, gain(part, from_s, to_s), (1 - 2 * kGainEndHalfWidth) * (to_s - from_s), confidence_level);
}

bool cycles(Pattern pattern) { return pattern == Pattern::bounded_sawtooth || pattern == Pattern::periodic_spikes; }

}  // namespace

std::optional<ProcessDiagnosis::Decomposition> decompose_rss(const ProcessSeries& series, const Diagnosis& rss, double confidence_level) {
    if (!series.live_heap || series.live_heap->t_s.empty() || series.rss.t_s.empty() || rss.pattern == Pattern::insufficient_data)
        return std::nullopt;
    const Series& heap = *series.live_heap;
    ProcessDiagnosis::Decomposition parts;
    parts.from_s = std::max(rss.onset_s.value_or(rss.warmup_end_s), heap.t_s.front());
    parts.to_s = std::min(series.rss.t_s.back(), heap.t_s.back());
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < heap.t_s.size(); ++i)
        if (heap.t_s[i] >= parts.from_s && heap.t_s[i] <= parts.to_s) at.push_back(i);
    if (at.size() < kFewestReadings) return std::nullopt;
    const double from_s = parts.from_s, to_s = parts.to_s;

    // The heap series holds the live blocks and the tracked mappings together (process_series).
    const auto mapped_at = [&](std::size_t i) { return series.mapped ? series.mapped->value[i] : 0.0; };
    const auto rss_at = [&](std::size_t i) { return value_at(series.rss, heap.t_s[i]); };
    parts.rss = rate_of(part_series(heap.t_s, at, rss_at), from_s, to_s, confidence_level);
    parts.live_heap = rate_of(part_series(heap.t_s, at, [&](std::size_t i) { return heap.value[i] - mapped_at(i); }), from_s, to_s,
                              confidence_level);
    if (series.mapped) parts.mapped = rate_of(part_series(heap.t_s, at, mapped_at), from_s, to_s, confidence_level);
    if (series.allocator_free) {
        // Read about once a second and held between: its readings, and its gain over the window as the
        // verdict takes it (a trend through its readings: one reading near an end is chance).
        parts.allocator_retained = rate_of_change(held_readings(*series.allocator_free, from_s, to_s),
                                                  held_gain(*series.allocator_free, from_s, to_s), to_s - from_s, confidence_level);
        parts.allocator_measured = true;
        // And what RSS holds beyond the heap and those bytes, or RSS growing outside the malloc heap (a
        // memfd mapped MAP_SHARED, thread stacks) would read with every part flat: "RSS changed +929
        // MB/h: live heap flat, mmap'ed flat, the allocator's free-but-kept memory flat".
        const Series& kept = *series.allocator_free;
        parts.rest = rate_of(part_series(heap.t_s, at, [&](std::size_t i) { return rss_at(i) - heap.value[i] - kept.value[i]; }),
                             from_s, to_s, confidence_level);
    } else {
        // A part of its own, measured as the others are: what RSS holds beyond the heap and the mappings
        // at each reading. (The whole's rate less the parts' would carry every difference of their fits.)
        parts.allocator_retained =
            rate_of(part_series(heap.t_s, at, [&](std::size_t i) { return rss_at(i) - heap.value[i]; }), from_s, to_s, confidence_level);
    }

    parts.rss_cycles = cycles(rss.pattern);
    const double rss_change = std::fabs(parts.rss.bytes_per_s) * (to_s - from_s);
    parts.rss_changed = !parts.rss_cycles && parts.rss.changed && enough_pages_to_decide(rss_change);
    return parts;
}

}  // namespace leakscope::diagnosis::detail
