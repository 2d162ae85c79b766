#include "diagnosis/rss_explanation.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <vector>

#include "diagnosis/page_granular_growth.hpp"
#include "diagnosis/robust_stats.hpp"
#include "diagnosis/theil_sen.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// A part explains RSS growth when it gained at least this share of what RSS gained...
constexpr double kExplainsShare = 0.5;
// ...and it took part in it (grew) from this share on.
constexpr double kPartShare = 0.25;

/// What a mapping category (smaps, read every few seconds) gained over [from_s, to_s], from its first
/// reading inside the window: the reading nearest from_s may come from before it, taken while the
/// program was still starting its threads (arena_pipeline_flat's stacks read 16 kB at 0 s, before its
/// five threads began, and 82 kB from then on: "RSS grows in thread stacks", the growth outside the heap
/// and a flat program undecided for an hour and a half).
double mapping_gain(const Series& mapping, double from_s, double to_s) {
    const auto first_inside = std::lower_bound(mapping.t_s.begin(), mapping.t_s.end(), from_s);
    const double read_from_s = first_inside != mapping.t_s.end() && *first_inside < to_s ? *first_inside : from_s;
    return gain(mapping, read_from_s, to_s);
}

/// RSS gained in thread stacks (the smaps view says so): growth outside what the allocator holds.
bool grows_in_thread_stacks(const ProcessSeries& series, double from_s, double to_s, double rss_gain) {
    for (const auto& mapping : series.rss_by_mapping)
        if (mapping.name == ProcessSeries::kThreadStacks && mapping.series.t_s.size() >= 2 &&
            mapping_gain(mapping.series, from_s, to_s) >= kPartShare * rss_gain)
            return true;
    return false;
}

/// When the first reading of a held series (the allocator's figures, read about once a second and
/// held in between) was taken inside [from_s, to_s]: the value at from_s may be a reading from before
/// it, taken while the program was still warming up (jemalloc_pool_flat's first one, mid-way through
/// filling its pool, put the footprint's "gain" at 3.5 MB on a flat program). from_s itself when no
/// new reading came in the window's first half.
double first_reading_in(const Series& held, double from_s, double to_s) {
    for (std::size_t i = 1; i < held.t_s.size() && held.t_s[i] < from_s + 0.5 * (to_s - from_s); ++i)
        if (held.t_s[i] > from_s && held.value[i] != held.value[i - 1]) return held.t_s[i];
    return from_s;
}

/// Whether the heap kept what it gained over [from_s, to_s]: its lowest level over the window's last
/// quarter stays above its level where the window began by at least half its gain. Steps (a container
/// doubling its capacity) and a leak keep their gains; a heap wandering around one level (the
/// allocator's in-use figure under churn, which counts what its per-thread caches hold) comes back down
/// to where it was, and its gain between two instants is chance: order_book_churn_flat's sampled run
/// "held" 46 kB of RSS's creep while it wandered over 143 kB (its lowest over the last quarter 2 kB above
/// its start).
bool keeps_its_gain(const Series& heap, double from_s, double to_s, double heap_gain) {
    const double span_s = to_s - from_s;
    const double start_level = level_near(heap, from_s + 0.05 * span_s, 0.05 * span_s);
    double lowest_late = INFINITY;
    for (std::size_t i = 0; i < heap.t_s.size(); ++i)
        if (heap.t_s[i] >= to_s - 0.25 * span_s && heap.t_s[i] <= to_s && std::isfinite(heap.value[i]))
            lowest_late = std::min(lowest_late, heap.value[i]);
    return std::isfinite(lowest_late) && lowest_late - start_level >= 0.5 * heap_gain;
}

}  // namespace

double level_near(const Series& series, double t_s, double half_width_s) {
    std::vector<double> window;
    std::size_t nearest = 0;
    for (std::size_t i = 0; i < series.t_s.size(); ++i) {
        if (std::fabs(series.t_s[i] - t_s) <= half_width_s && std::isfinite(series.value[i])) window.push_back(series.value[i]);
        if (std::fabs(series.t_s[i] - t_s) < std::fabs(series.t_s[nearest] - t_s)) nearest = i;
    }
    if (!window.empty()) return median(window);
    return series.value.empty() ? 0.0 : series.value[nearest];
}

double gain(const Series& series, double from_s, double to_s) {
    const double half_width_s = kGainEndHalfWidth * std::max(to_s - from_s, 0.0);
    return level_near(series, to_s - half_width_s, half_width_s) - level_near(series, from_s + half_width_s, half_width_s);
}

std::string where_rss_grew(const ProcessSeries& series, double from_s, double to_s, double rss_gain) {
    std::vector<std::string> parts;
    if (series.threads) {
        const double before = level_near(*series.threads, from_s, 0.05 * (to_s - from_s));
        const double after = level_near(*series.threads, to_s, 0.05 * (to_s - from_s));
        if (after >= before + 2 && after >= 1.2 * before)
            parts.push_back(fmt::format("threads {:.0f} → {:.0f} (stacks of threads never joined?)", before, after));
    }
    for (const auto& mapping : series.rss_by_mapping) {
        if (mapping.series.t_s.size() < 2) continue;
        const double grew = mapping_gain(mapping.series, from_s, to_s);
        if (grew >= kPartShare * rss_gain) parts.push_back(fmt::format("{} +{}", mapping.name, format_bytes(grew)));
    }
    if (!series.rss_by_mapping.empty() && !parts.empty()) {
        // The mappings already say it more precisely than anonymous/file-backed.
    } else if (series.anon_rss) {
        const double anon = gain(*series.anon_rss, from_s, to_s);
        if (anon >= kExplainsShare * rss_gain) parts.push_back(fmt::format("anonymous memory +{}", format_bytes(anon)));
    }
    if (series.file_rss && series.rss_by_mapping.empty()) {
        const double file = gain(*series.file_rss, from_s, to_s);
        if (file >= kExplainsShare * rss_gain) parts.push_back(fmt::format("file-backed memory +{}", format_bytes(file)));
    }
    std::string where;
    for (std::size_t i = 0; i < parts.size(); ++i) where += (i ? ", " : "") + parts[i];
    return where;
}

Series held_readings(const Series& held, double from_s, double to_s) {
    Series readings;
    for (std::size_t i = 0; i < held.t_s.size(); ++i) {
        if (held.t_s[i] < from_s || held.t_s[i] > to_s || !std::isfinite(held.value[i])) continue;
        if (!readings.value.empty() && held.value[i] == readings.value.back()) continue;  // the same reading, held
        readings.t_s.push_back(held.t_s[i]);
        readings.value.push_back(held.value[i]);
    }
    return readings;
}

// What the allocator's free-but-kept figure (one reading about a second, held in the samples between)
// gained over [from_s, to_s]: with four readings or more in the window, their Theil–Sen slope times the
// window, else the difference of its levels near both ends. Near an end there is one reading, and under
// churn one reading is chance: quote_fanout_arenas_flat's free-but-kept bytes rose 6.17 -> 8.65 MB over
// eight readings, and the last one, 7.06 MB, put their "gain" at -394 kB (the arenas' creep of RSS then
// read as growth outside the heap, a leak). The footprint keeps its levels at both ends: it moves in the
// steps the allocator maps and gives back, whose last level is what it holds (a trend through
// jemalloc_pool_flat's, 20.9 -> 21.9 -> 21.1 MB, made its RSS creep growth outside the allocator).
double held_gain(const Series& held, double from_s, double to_s) {
    const Series readings = held_readings(held, from_s, to_s);
    constexpr std::size_t kReadingsForATrend = 4;
    if (readings.t_s.size() < kReadingsForATrend) return gain(held, from_s, to_s);
    return theil_sen(readings.t_s, readings.value).slope * (to_s - from_s);
}

namespace {

/// Whether the allocator, over the window's last third, took nothing more from the system and handed its
/// free memory back to the program while RSS went on: what it kept free was a one-time release being
/// reused, not freed memory it keeps, and RSS's growth since is not the allocator's. A node gateway leaking
/// connections through their timers: V8's collection freed 5 MB of Buffer backing stores at 11.5 s (the
/// allocator's free figure 2.1 -> 7.2 MB), then its footprint stayed at 14.6 MB and its free figure fell
/// 7.2 -> 5.1 MB as the heap refilled it, while RSS climbed 2.1 MB: "Fragmentation ... not a leak in the
/// program". Both figures swing as glibc trims its top (a fragmenting webhook relay's footprint 9.96 ->
/// 9.15 -> 9.73 -> 10.34 -> 9.62 MB and its free figure 3.8-4.7 MB over a third where RSS rose 0.45 MB),
/// so the footprint must not have risen above where the third began and the free figure's pace must
/// fall; too few pages gained late say nothing either way.
bool allocator_reused_late(const ProcessSeries& series, double from_s, double to_s) {
    const double late_from_s = to_s - (to_s - from_s) / 3;
    const double rss_late_gain = gain(series.rss, late_from_s, to_s);
    if (!enough_pages_to_decide(rss_late_gain)) return false;
    const Series footprint = held_readings(*series.allocator_footprint, late_from_s, to_s);
    if (footprint.value.empty()) return false;
    const double footprint_rise = *std::max_element(footprint.value.begin(), footprint.value.end()) - footprint.value.front();
    return footprint_rise < kPartShare * rss_late_gain &&
           held_gain(*series.allocator_free, late_from_s, to_s) <= -kPartShare * rss_late_gain;
}

}  // namespace

RssExplanation explain_rss_growth(const ProcessSeries& series, double from_s, double to_s, double climb_from_s) {
    RssExplanation e;
    e.rss_gain = gain(series.rss, from_s, to_s);
    if (series.live_heap) e.heap_gain = gain(*series.live_heap, from_s, to_s);
    const bool allocator_known = series.allocator_free && series.allocator_footprint && !series.allocator_free->t_s.empty();
    if (allocator_known) {
        const double read_from_s = first_reading_in(*series.allocator_footprint, from_s, to_s);
        e.allocator_footprint_gain = gain(*series.allocator_footprint, read_from_s, to_s);
        // What the allocator keeps beyond the live blocks: its own free figure, or its footprint's gain
        // less the live heap's. The allocator reads once a second, and its in-use figure swings with a
        // program's churn (a cache swept every few hundred ms); the tracker's heap is exact.
        e.allocator_free_gain = std::max(held_gain(*series.allocator_free, read_from_s, to_s),
                                         series.live_heap ? e.allocator_footprint_gain - gain(*series.live_heap, read_from_s, to_s)
                                                          : -INFINITY);
    }
    if (!(e.rss_gain > 0)) {
        e.growth = RssGrowth::none;
        return e;
    }
    // The heap's gain must stand out of its own noise too (a flat heap's wobble is no step).
    const double heap_noise = series.live_heap ? noise_sigma_from_differences(series.live_heap->value) : 0.0;
    const bool heap_holds_it = e.heap_gain >= kExplainsShare * e.rss_gain && e.heap_gain > 4 * heap_noise &&
                               keeps_its_gain(*series.live_heap, from_s, to_s, e.heap_gain);
    // The heap's evidence only adds to RSS's: live blocks that hold most of the gain make it the
    // program's, whatever the allocator keeps beside them. Its free-but-kept bytes grow with a leak too
    // (a vector's doublings free each old buffer; jemalloc keeps freed pages dirty until they decay),
    // so "fragmentation" needs a heap that did not take the growth.
    if (heap_holds_it) {
        e.growth = RssGrowth::heap_in_steps;
        return e;
    }
    // An allocator reusing a one-time release late in the window explains neither way (allocator_reused_late).
    const bool allocator_keeps_it = allocator_known && !allocator_reused_late(series, from_s, to_s);
    if (allocator_keeps_it && e.allocator_free_gain >= kExplainsShare * e.rss_gain && e.allocator_footprint_gain >= kExplainsShare * e.rss_gain) {
        e.growth = RssGrowth::allocator_retains;
        return e;
    }
    // The allocator took the gain from the system, but neither its live blocks nor its free ones kept it on
    // their own: both swing with the program's batches (a history trimmed from 24,000 records to 4,000
    // every 2.5 s, read once a second: free 14.8 -> 2.9 MB and the heap 14.2 -> 28.1 MB while the
    // footprint rose 29.0 -> 31.0 MB and RSS 33.4 -> 35.6 MB). That growth is the malloc heap's, not
    // "outside" it (thread arenas are anonymous mappings too).
    if (allocator_keeps_it && e.allocator_footprint_gain >= kExplainsShare * e.rss_gain) {
        e.growth = RssGrowth::in_allocator;
        return e;
    }
    // Mappings the program made beside the allocator while RSS climbed (an interpreter's own arenas: pymalloc
    // maps 1 MiB at a time and fills it page by page) that took a good part of RSS's gain are where it went,
    // and they have no bound. A pure-Python leak under sampled tracking (py_carrier_sdk_deprecation_warning_
    // late_leak, batch 10: RSS +1.3 MB at one pace from 6.7 s, an arena mapped at 8.5 s where the heap's
    // warm-up moved the window's start) read "RSS rose into memory the program already held (the allocator's
    // free space ...): bounded by it", no leak, because glibc's free space was 2.4 MB.
    const double climb_s = std::min(climb_from_s, from_s);
    const bool mappings_grew = series.mapped && gain(*series.mapped, climb_s, to_s) >= kPartShare * gain(series.rss, climb_s, to_s);
    if (allocator_known && !mappings_grew && e.allocator_footprint_gain < kPartShare * e.rss_gain &&
        !grows_in_thread_stacks(series, from_s, to_s, e.rss_gain)) {
        // RSS can rise without the allocator taking more from the OS: pages it already holds, written for
        // the first time — its free space, or blocks allocated and not yet filled (a ring calloc'ed at
        // start). That is bounded by what it held free when the window began, or by what it and the
        // program's mappings held beyond everything anonymous that was resident then (all of which is
        // taken to be theirs, so the bound errs low).
        const double half_width_s = 0.05 * (to_s - from_s);
        const double free_at_start = level_near(*series.allocator_free, from_s, half_width_s);
        double unwritten_at_start = 0;
        if (series.anon_rss) {
            const double held = level_near(*series.allocator_footprint, from_s, half_width_s) +
                                (series.mapped ? level_near(*series.mapped, from_s, half_width_s) : 0.0);
            unwritten_at_start = held - level_near(*series.anon_rss, from_s, half_width_s);
        }
        if (e.rss_gain <= std::max(free_at_start, unwritten_at_start)) {
            e.growth = RssGrowth::within_allocator;
            e.room = std::max(free_at_start, unwritten_at_start);
            return e;
        }
    }
    e.growth = RssGrowth::outside_heap;
    e.where = where_rss_grew(series, from_s, to_s, e.rss_gain);
    return e;
}

}  // namespace leakscope::diagnosis::detail
