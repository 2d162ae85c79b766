#include "fleet/fleet_diagnosis.hpp"

#include <algorithm>
#include <cmath>

#include "fleet/life_pooling.hpp"

namespace leakscope::fleet {
namespace {

/// A life shorter than this share of the longest one is not judged: the minutes after a restart say
/// little about the process, and their warm-up must not hide the leak of the life before.
constexpr double kEligibleShareOfLongest = 0.25;
constexpr std::size_t kMinSegmentPoints = 10;

diagnosis::Diagnosis diagnose_segment(const RangeSeries& s, const Segment& segment, const SeriesOptions& options) {
    diagnosis::Series gauge;
    const double t0 = s.t_s[segment.begin];
    gauge.t_s.reserve(segment.end - segment.begin);
    gauge.value.reserve(segment.end - segment.begin);
    for (std::size_t i = segment.begin; i < segment.end; ++i) {
        gauge.t_s.push_back(s.t_s[i] - t0);
        gauge.value.push_back(s.value[i]);
    }
    diagnosis::Options o = options.diagnosis;
    o.limit_bytes = options.limit_bytes;
    return diagnosis::diagnose(gauge, o);
}

}  // namespace

std::vector<double> bucket_peaks(const std::vector<double>& values, std::size_t width) {
    std::vector<double> peaks;
    const std::size_t n = values.size();
    const std::size_t count = std::min(n, width);
    for (std::size_t b = 0; b < count; ++b) {
        const std::size_t begin = b * n / count, end = (b + 1) * n / count;
        peaks.push_back(*std::max_element(values.begin() + static_cast<std::ptrdiff_t>(begin), values.begin() + static_cast<std::ptrdiff_t>(end)));
    }
    return peaks;
}

FleetEntry diagnose_series(const RangeSeries& s, const std::vector<double>& start_times, const SeriesOptions& options) {
    FleetEntry entry;
    entry.labels = s.labels;
    entry.points = s.value.size();
    entry.limit_source = options.limit_bytes ? options.limit_source : std::string();
    entry.sparkline = bucket_peaks(s.value, kSparklinePoints);
    if (s.value.empty()) {
        entry.verdict.summary = "No points in the range.";
        return entry;
    }
    entry.last_value = s.value.back();
    const auto segments = cut_at_restarts(s.value, start_times, options.restarts);
    entry.restarts = segments.size() - 1;

    double longest = 0;
    for (const auto& seg : segments) longest = std::max(longest, s.t_s[seg.end - 1] - s.t_s[seg.begin]);
    // The latest life long enough to judge carries the verdict: after a fix is deployed (a restart)
    // the fleet report must say so, and the minutes after a restart are too short to judge.
    auto judged = [&](const Segment& seg) {
        return seg.end - seg.begin >= kMinSegmentPoints && s.t_s[seg.end - 1] - s.t_s[seg.begin] >= kEligibleShareOfLongest * longest;
    };
    auto chosen_it = std::find_if(segments.rbegin(), segments.rend(), judged);
    const Segment chosen = chosen_it == segments.rend() ? segments.back() : *chosen_it;
    entry.verdict = diagnose_segment(s, chosen, options);
    entry.lives = 1;
    // When each life's process started: its start time, else its first point (a drop cut it), except
    // for the first life, which may have started long before the range.
    auto started = [&](const Segment& seg) {
        if (seg.begin < start_times.size() && std::isfinite(start_times[seg.begin])) return start_times[seg.begin];
        return seg.begin == 0 ? NAN : s.t_s[seg.begin];
    };
    if (!entry.verdict.leak && chosen_it != segments.rend()) {
        // The earlier lives of the same program: their evidence carries over to a latest life that
        // cannot decide alone (life_pooling.hpp).
        std::vector<Life> earlier;
        for (auto it = segments.begin(); it != chosen_it.base() - 1; ++it) {
            if (judged(*it)) earlier.push_back({*it, started(*it), diagnose_segment(s, *it, options)});
        }
        if (auto inherited = inherit_from_earlier_lives(s, earlier, {chosen, started(chosen), entry.verdict}, options.limit_bytes)) {
            entry.verdict = std::move(*inherited);
            entry.lives = earlier.size() + 1;
        }
    }
    entry.segment_start_unix_s = s.t_s[chosen.begin];
    entry.segment_end_unix_s = s.t_s[chosen.end - 1];
    return entry;
}

void rank_fleet(std::vector<FleetEntry>& entries) {
    std::stable_sort(entries.begin(), entries.end(), [](const FleetEntry& a, const FleetEntry& b) {
        const auto& x = a.verdict;
        const auto& y = b.verdict;
        if (x.leak != y.leak) return x.leak;
        if (x.leak) {
            const double tx = x.time_to_limit_s.value_or(INFINITY), ty = y.time_to_limit_s.value_or(INFINITY);
            if (tx != ty) return tx < ty;
        }
        return x.steady_rate_bytes_per_s > y.steady_rate_bytes_per_s;
    });
}

}  // namespace leakscope::fleet
