#include "analysis/sampled_attribution.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "diagnosis/units.hpp"

#include "analysis/pymalloc_arenas.hpp"  // holds_only_arenas
#include "analysis/site_called_a_leak.hpp"

namespace leakscope::analysis {
namespace {

// The named sites together cover this share of the rise the site estimates show.
constexpr double kCoveredShare = 0.6;

/// The grid column a site's live bytes are read from at `t_s`: the last one at or before it, or with
/// `at_or_after` the first one at or after it.
std::size_t column_at(const SiteSeries& grid, double t_s, bool at_or_after) {
    std::size_t i = 0;
    while (i + 1 < grid.t_s.size() && grid.t_s[i + 1] <= t_s) ++i;
    if (at_or_after && grid.t_s[i] < t_s && i + 1 < grid.t_s.size()) ++i;
    return i;
}

double live_in(const SiteSeries::Site& site, std::size_t column) {
    return column < site.live_bytes.size() ? static_cast<double>(site.live_bytes[column]) : 0.0;
}

}  // namespace

std::optional<UnsampledGrowth> attribute_sampled_growth(const Recording& recording, const diagnosis::ProcessDiagnosis& process,
                                                        double until_t_s, double arena_bytes, std::vector<SiteReport>& sites) {
    const auto& verdict = process.verdict;
    // Sampled, the leak rests on the heap, or on RSS beside a heap that leaks too at a fraction of RSS's
    // pace ("the live heap explains little of it"): its sites are named all the same, as the sites' own
    // trends name them with full tracking.
    const bool heap_leaks_too = process.live_heap && process.live_heap->leak;
    const bool sampled_run = recording.info.tracker_mode == "sampled" && recording.info.sample_bytes > 0;
    const bool sampled = recording.info.tracker_mode == "sampled" && (process.metric == "live_heap" || heap_leaks_too);
    const bool in_steps = process.rss_growth == diagnosis::RssGrowth::heap_in_steps;
    // RSS's leak in the allocator's footprint beside a sampled heap that swings by megabytes with no trend
    // of its own: the rise inside it (audit_history_trim_trace_link_leak: ~1.3 MB of trace links, ~2.6
    // samples at one per 512 KiB, under 16 MB teeth of 5 samples each) is as many samples as the swings'
    // sites gain or lose by chance between two readings. Naming the sites that rose most named the teeth's
    // own, by the phase the run ended in; the report says it cannot tell instead. So with RSS's leak where
    // the allocator kept memory beside a heap figure read too seldom to rule it out (process.cpp: the same
    // program, its figure read five times after the warm-up).
    const bool in_the_allocator = process.rss_growth == diagnosis::RssGrowth::in_allocator ||
                                  process.rss_growth == diagnosis::RssGrowth::allocator_retains;
    const bool within_swings = sampled_run && process.metric == "rss" && in_the_allocator && process.live_heap && !process.live_heap->leak;
    if (!verdict.leak || !(sampled || in_steps || within_swings)) return std::nullopt;
    if (std::any_of(sites.begin(), sites.end(), [](const SiteReport& s) { return s.diagnosis.leak; })) return std::nullopt;
    const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s);
    // The rise up to the end of the judged span and of the process's samples: the sites' last snapshot
    // is the exit flush, often taken after the program's destructors freed what it held.
    double to_s = until_t_s;
    if (!recording.samples.empty()) to_s = std::min(to_s, recording.samples.back().t_s);
    // The verdict's rise over its steady state, and the samples it should have drawn.
    const auto unsampled = [&](bool within_swings) {
        UnsampledGrowth missed;
        missed.rise_bytes = std::max(0.0, verdict.steady_rate_bytes_per_s * (to_s - from_s));
        missed.sample_bytes = static_cast<double>(recording.info.sample_bytes);
        missed.expected_samples = missed.rise_bytes / missed.sample_bytes;
        missed.within_swings = within_swings;
        return missed;
    };
    if (within_swings) return unsampled(true);
    const SiteSeries& grid = recording.sites;
    if (grid.t_s.size() < 2) return std::nullopt;
    to_s = std::min(to_s, grid.t_s.back());
    // The sites' grid is coarser than the samples: its column before the end of the warm-up may still
    // hold part of the warm-up (a 200 MB table half built), which is no share of the leak. The first
    // column inside the steady state loses at most one column of a leak's rise.
    const std::size_t last = column_at(grid, to_s, /*at_or_after=*/false);
    std::size_t first = column_at(grid, from_s, /*at_or_after=*/true);
    if (first >= last) first = column_at(grid, from_s, /*at_or_after=*/false);  // a steady state inside one column
    // A CPython heap in steps of whole arenas (py_retry_span_registry_leak, tracked: RSS's leak, the heap
    // +2.19 MB in two arenas): each arena is charged to whatever code needed a new one (`push_order`),
    // and naming it named the wrong line; the line whose own blocks rose is the one to name. So with
    // sampled tracking, where an arena (1 MiB, twice the default period) is nearly always sampled and
    // outweighs the one or two samples of the leak's own blocks: py_presence_hub_leak named `tick`, which
    // had needed an arena, where full tracking names PresenceHub.join, whose one sample rose as well.
    // Sampled, arenas are named only when nothing else rose (py_log_buffer_leak: its arenas charged to the
    // leaking handler itself, the small objects' main allocator), and then said to be arenas.
    const auto is_arena_site = [&](const SiteReport& report) {
        return arena_bytes > 0 && report.series_index < grid.sites.size() &&
               holds_only_arenas(grid.sites[report.series_index], last + 1, arena_bytes);
    };
    const auto rises_of = [&](bool arenas_allowed) {
        std::vector<std::pair<double, std::size_t>> rises;
        for (std::size_t k = 0; k < sites.size() && first < last; ++k) {
            if (sites[k].series_index >= grid.sites.size()) continue;
            if (!arenas_allowed && is_arena_site(sites[k])) continue;
            const auto& site = grid.sites[sites[k].series_index];
            const double rise = live_in(site, last) - live_in(site, first);
            if (rise > 0) rises.emplace_back(rise, k);
        }
        return rises;
    };
    std::vector<std::pair<double, std::size_t>> rises = rises_of(/*arenas_allowed=*/false);
    if (rises.empty() && sampled_run && !in_steps) rises = rises_of(/*arenas_allowed=*/true);
    double total = 0;
    for (const auto& [rise, k] : rises) total += rise;
    // No site's estimate rose: with sampled tracking the report says why no site is named, whatever the
    // verdict rests on (py_export_result_unpolled_leak, sampled, session 24: RSS's leak beside a heap that
    // rose 1.28 MB in steps, its one leaking site's 14 samples reading a warm-up, and no word of why).
    if (!(total > 0)) {
        if (!sampled_run) return std::nullopt;
        return unsampled(false);
    }
    std::sort(rises.begin(), rises.end(), std::greater<>());
    double covered = 0;
    for (const auto& [rise, k] : rises) {
        if (covered >= kCoveredShare * total) break;
        covered += rise;
        if (is_arena_site(sites[k])) {
            call_site_a_leak(sites[k], fmt::format("only pymalloc's arenas ({} each) rose with the leak in this run's samples, "
                                                   "and this site holds arenas only, charged to whatever code needed a new "
                                                   "one: the leak's small objects fill them, from this line or another. "
                                                   "PYTHONMALLOC=malloc counts every object at its line (~1.4x the "
                                                   "interpreter's time).",
                                                   diagnosis::format_bytes_binary(arena_bytes)));
            continue;
        }
        call_site_a_leak(sites[k], sampled ? "with sampled tracking this site's own trend rests on few samples, and it "
                                             "carries the largest share of the heap's rise."
                                           : "this site grows in steps too few for its own trend (a container doubling its "
                                             "capacity), and it carries the largest share of the heap's rise.");
    }
    std::stable_sort(sites.begin(), sites.end(), [](const SiteReport& a, const SiteReport& b) { return a.diagnosis.leak > b.diagnosis.leak; });
    return std::nullopt;
}

std::string unsampled_growth_sentence(const UnsampledGrowth& growth) {
    // A smaller period by a power of two that draws about ten samples from the same rise.
    double suggested = growth.sample_bytes;
    while (suggested > 4096 && growth.rise_bytes / suggested < 10) suggested /= 2;
    const std::string option = suggested >= 1024 ? fmt::format("{:.0f}K", suggested / 1024) : fmt::format("{:.0f}", suggested);
    if (growth.within_swings)
        return fmt::format("The heap's share of RSS's rise, at most {}, is {:.1f} samples at one per {}, no more than the heap's own "
                           "swings move its sites' estimates by, so no site can be named from this run: run again with "
                           "--sample-bytes {} or with full tracking.",
                           diagnosis::format_bytes(growth.rise_bytes), growth.expected_samples,
                           diagnosis::format_bytes_binary(growth.sample_bytes), option);
    return fmt::format("No site's sampled estimate rose with the leak's growth of {} over its steady state ({:.1f} samples expected "
                       "at one per {}), so no site can be named from this run: run again with --sample-bytes {} or with full tracking.",
                       diagnosis::format_bytes(growth.rise_bytes), growth.expected_samples,
                       diagnosis::format_bytes_binary(growth.sample_bytes), option);
}

}  // namespace leakscope::analysis
