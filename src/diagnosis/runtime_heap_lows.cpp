// The runtime heap judged without a full collection (G1): from the lows its reclamations leave.
//
// Between reclamations the old generation only fills: every young collection promotes what outlived a
// few of them, the objects a leak keeps as much as an LRU cache's entries that are evicted a minute
// later. So a climb of the levels after young collections shows nothing yet about what is live, and the
// climb itself is the bound: nothing became live that the level did not gain. Measured with
// tests/e2e/jvm/HeapService.java (G1, 40 s, default heap of 380 MB): a session map leaking 1 MB/s
// climbed 11.8 -> 30.5 MB, an LRU cache evicting 4 MB/s of promoted entries 12.4 -> 149 MB, and neither
// was marked before 45 s. Once G1 has marked the old generation it reclaims it in mixed collections:
// their lows hold what was live at the marking plus what was promoted since. A leak's lows climb from
// one reclamation to the next (32.0, 40.8, 49.8 MB at 2 MB/s); a bounded program's return to the same
// band (the cache: 55.5, 55.9, 54.9 MB once full; under -Xmx64m 50.0-52.6 MB over ~30 cycles).
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "diagnosis/mann_kendall.hpp"
#include "diagnosis/runtime_heap.hpp"
#include "diagnosis/summary_text.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// The low each reclamation leaves, in time order:
// - a marking cycle (its remark and cleanup pauses), then the mixed collections that reclaim what it
//   found dead, until the next cycle: the lowest level from its first pause on (a cycle that finds
//   nothing to reclaim, a leak's, leaves the level where it was: that is a low too). A cycle with no
//   collection after its pauses yet has not reclaimed anything: not counted;
// - a full collection's level;
// - consecutive falling levels that together gave back a tenth of the level they fell from (G1's
//   humongous objects freed at a young collection, a mixed phase whose cycle the counters missed).
struct Low {
    AfterCollection level;
    bool gave_back = false;  ///< a tenth or more of the level before it: the climb before it ends there
};

bool gives_back(const std::vector<AfterCollection>& levels, std::size_t before, const AfterCollection& low) {
    return before < levels.size() && levels[before].used_bytes - low.used_bytes >= kReclaimedShareOfLevel * levels[before].used_bytes;
}

std::vector<Low> reclamation_lows(const std::vector<AfterCollection>& levels) {
    const auto lower = [](const AfterCollection& a, const AfterCollection& b) { return a.used_bytes < b.used_bytes; };
    const std::size_t none = levels.size();
    std::vector<Low> lows;
    for (std::size_t i = 0; i < levels.size();) {
        const std::size_t before = i > 0 ? i - 1 : none;
        if (levels[i].marking) {
            std::size_t pauses_end = i + 1;
            while (pauses_end < levels.size() && levels[pauses_end].marking) ++pauses_end;
            std::size_t next = pauses_end;
            while (next < levels.size() && !levels[next].marking && !levels[next].full) ++next;
            if (next > pauses_end) {
                const AfterCollection low = *std::min_element(levels.begin() + static_cast<std::ptrdiff_t>(i),
                                                              levels.begin() + static_cast<std::ptrdiff_t>(next), lower);
                lows.push_back({low, gives_back(levels, before, low)});
            }
            i = next;
        } else if (levels[i].full) {
            lows.push_back({levels[i], gives_back(levels, before, levels[i])});
            ++i;
        } else if (i > 0 && levels[i].used_bytes < levels[i - 1].used_bytes) {
            std::size_t end = i;
            while (end + 1 < levels.size() && !levels[end + 1].marking && !levels[end + 1].full &&
                   levels[end + 1].used_bytes < levels[end].used_bytes)
                ++end;
            if (gives_back(levels, before, levels[end])) lows.push_back({levels[end], true});
            i = end + 1;
        } else {
            ++i;
        }
    }
    return lows;
}

bool rises_by_a_tenth(double from, double to) { return to - from >= kProvenGrowthShareOfLevel * from; }

/// How fast the level went from `a` to `b`, in bytes a second.
double pace(const AfterCollection& a, const AfterCollection& b) { return (b.used_bytes - a.used_bytes) / (b.t_s - a.t_s); }

/// Each level above the one before, a tenth or more in all.
bool rise_at_every_step(const std::vector<AfterCollection>& levels) {
    for (std::size_t i = 1; i < levels.size(); ++i)
        if (levels[i].used_bytes <= levels[i - 1].used_bytes) return false;
    return !levels.empty() && rises_by_a_tenth(levels.front().used_bytes, levels.back().used_bytes);
}

/// The median of an even count is the mean of its two middle values: the upper one alone made the first
/// third of six lows its higher low (45.9 of 32.9 and 45.9 MB), and a G1 cache still filling (32.9, 45.9,
/// 53.9, 55.3, 56.5, 59.1 MB) passed the thirds test below as a leak in a loaded suite (session 30).
double median_used(std::vector<AfterCollection>::const_iterator begin, std::vector<AfterCollection>::const_iterator end) {
    std::vector<double> v;
    for (auto it = begin; it != end; ++it) v.push_back(it->used_bytes);
    std::sort(v.begin(), v.end());
    const std::size_t mid = v.size() / 2;
    return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Lows that climb steadily, a tenth or more in all and not slowing to a crawl (a warm-up that settles
// leaves lows that rise ever less). Lows each above the one before, the climb not slowing by half from its
// first half to its second and the last step at least a third of the average pace, climb however many
// there are. Six or more that do not (enough for the trend test at 5%): a significant upward trend, the
// last third above the middle one by a third of what the middle rose over the first.
bool lows_climb(const std::vector<AfterCollection>& lows) {
    const std::size_t n = lows.size();
    if (rise_at_every_step(lows)) {
        // Nor may the climb slow down by half from its first half to its second: a cache still filling
        // under G1 left 33.3, 46.5, 55.9, 57.4, 61.8 MB (a clean clone's loaded suite), a leak keeps its pace.
        const std::size_t half = n / 2;
        const bool slows_by_half = pace(lows[half], lows.back()) < pace(lows.front(), lows[half]) / 2;
        if (!slows_by_half && pace(lows[n - 2], lows.back()) >= pace(lows.front(), lows.back()) / 3) return true;
        // Not left to the trend test: six rising at every step have a chance of 1/720 without a trend, but
        // its variance correction takes an AR(1) coefficient from five steps' differences, which is noise
        // (a G1 leak's lows 6.2-6.4 MB apart gave 0.98 and p = 0.093 in a clean clone's suite: "climbed ...
        // but ever slower"). Slowing lows go on to it as before.
    }
    if (n < kTroughsForAFlatFloor) return false;
    std::vector<double> x, y;
    for (const AfterCollection& l : lows) {
        x.push_back(l.t_s);
        y.push_back(l.used_bytes);
    }
    const TrendTest trend = mann_kendall(x, y);
    if (trend.s <= 0 || trend.p_value >= 0.05) return false;
    const auto third = static_cast<std::ptrdiff_t>(n / 3);
    const double first = median_used(lows.begin(), lows.begin() + third);
    const double middle = median_used(lows.begin() + third, lows.end() - third);
    const double last = median_used(lows.end() - third, lows.end());
    return rises_by_a_tenth(first, last) && last - middle >= (middle - first) / 3;
}

// Lows each above the one before, a tenth or more in all, the last step still at a quarter of the whole
// climb's pace or more: still climbing. When lows_climb() rejects such lows for slowing, they are a cache
// still filling or a leak whose lows the reclamations left unevenly, and only more cycles tell which (a
// decided "no leak" would be a guess). A last step far slower has levelled off: the cache's lows 33.3,
// 46.5, 55.5, 55.9 MB (the last at 5% of the pace) are its band.
bool lows_still_rising(const std::vector<AfterCollection>& lows) {
    const std::size_t n = lows.size();
    return n >= 2 && rise_at_every_step(lows) && pace(lows[n - 2], lows.back()) >= pace(lows.front(), lows.back()) / 4;
}

// Levels that climb with no reclamation among them: a tenth or more, still rising at the end (the last
// kLevelsForAPace levels climb at a third of the whole climb's pace or more: a warm-up that has levelled
// off does not; a share of the level would miss a leak high in its heap, 61.3, 66.5, 66.9 MB at 2 MB/s),
// rising as a trend.
bool climbs_ahead_of_reclamation(const std::vector<AfterCollection>& levels) {
    if (levels.size() < kLevelsForAPace || !rises_by_a_tenth(levels.front().used_bytes, levels.back().used_bytes)) return false;
    const AfterCollection& tail = *(levels.end() - static_cast<std::ptrdiff_t>(kLevelsForAPace));
    if (pace(tail, levels.back()) < pace(levels.front(), levels.back()) / 3) return false;
    std::vector<double> x, y;
    for (const AfterCollection& l : levels) {
        x.push_back(l.t_s);
        y.push_back(l.used_bytes);
    }
    return mann_kendall(x, y).s > 0;
}

// Exact levels (what survived, format 2.6) that rose at each of the last kExactClimbLevels young
// collections since the last reclamation, by kExactClimbShareOfLevel in all, the last step at a third
// of their average pace or more (a warm-up that levels off does not): those levels, else empty. Taken
// from the whole run, not only from the end of RSS's warm-up: a JVM commits its heap for seconds after
// its live set has settled (java_session_index_leak: RSS settled at 9 s, collections every 4.7 s in a
// 20 s run), and the claim is only that what survives climbs, which the verdict leaves undecided.
std::vector<AfterCollection> exact_climb(const ProcessSeries::RuntimeHeap& heap, double since_s) {
    std::vector<AfterCollection> levels = levels_after_collections(heap);
    std::erase_if(levels, [&](const AfterCollection& l) { return l.t_s < since_s; });
    if (heap.survived.empty() || levels.size() < kExactClimbLevels) return {};
    levels.erase(levels.begin(), levels.end() - static_cast<std::ptrdiff_t>(kExactClimbLevels));
    for (std::size_t i = 1; i < levels.size(); ++i)
        if (levels[i].used_bytes <= levels[i - 1].used_bytes) return {};
    const AfterCollection& first = levels.front();
    const AfterCollection& last = levels.back();
    const AfterCollection& before_last = levels[levels.size() - 2];
    if (last.used_bytes - first.used_bytes < kExactClimbShareOfLevel * first.used_bytes) return {};
    if (pace(before_last, last) < pace(first, last) / 3) return {};
    return levels;
}

RuntimeHeapFinding unreclaimed_climb(const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& climb,
                                     double steady_from_s) {
    const double span_s = climb.back().t_s - climb.front().t_s;
    const double pace = (climb.back().used_bytes - climb.front().used_bytes) / span_s;
    // Until the collector next collects the old generation, and as long again to compare what a few of
    // those collections leave. G1 starts marking at a share of its committed heap (an estimate: its
    // threshold adapts, and the other collectors wait until the old generation is full).
    double watch_s = 2 * span_s;
    if (heap.committed_bytes && pace > 0)
        watch_s += std::max(0.0, (kG1MarkingShareOfCommitted * *heap.committed_bytes - climb.back().used_bytes) / pace);
    Diagnosis d = undecided_growth(heap, climb, watch_s, steady_from_s);
    d.summary = fmt::format(
        "Growing {} in the {}'s heap: what its young collections left climbed {} -> {} over {} collections in {}, but its "
        "old generation has not been collected since (no marking cycle or full collection), and until it is, objects "
        "promoted and dead since count as much as a leak's: watch at least {} more.",
        format_rate(d.steady_rate_bytes_per_s), heap.runtime, format_bytes(climb.front().used_bytes),
        format_bytes(climb.back().used_bytes), climb.size(), format_duration(span_s), format_duration(*d.watch_more_s));
    return {d, "climbing after young collections; the old generation not collected yet"};
}

}  // namespace

std::string levels_text(const std::vector<AfterCollection>& points) {
    std::string text;
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (points.size() > 6 && i == 3) {
            text += ", ...";
            i = points.size() - 3;
            continue;
        }
        text += (text.empty() ? "" : ", ") + format_bytes(points[i].used_bytes);
    }
    return text;
}

std::vector<AfterCollection> lows_in_one_band(const std::vector<AfterCollection>& levels) {
    std::vector<AfterCollection> lows;
    for (const Low& l : reclamation_lows(levels)) lows.push_back(l.level);
    if (lows.size() < kLevelsForAPace || lows_climb(lows) || lows_still_rising(lows)) return {};
    const std::vector<AfterCollection> last(lows.end() - static_cast<std::ptrdiff_t>(kLevelsForAPace), lows.end());
    const auto [lowest, highest] = std::minmax_element(last.begin(), last.end(), [](const AfterCollection& a, const AfterCollection& b) {
        return a.used_bytes < b.used_bytes;
    });
    if (rises_by_a_tenth(lowest->used_bytes, highest->used_bytes)) return {};
    return last;
}

std::optional<RuntimeHeapFinding> judge_reclamation_lows(const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& levels,
                                                         double steady_from_s, const Options& options) {
    const std::vector<Low> found = reclamation_lows(levels);
    std::vector<AfterCollection> lows;
    for (const Low& l : found) lows.push_back(l.level);
    // The levels since the last collection that gave memory back (all of them when none did): a marking
    // cycle that found nothing to reclaim does not interrupt a climb.
    std::vector<AfterCollection> since(levels.begin(), levels.end());
    const auto last_given_back = std::find_if(found.rbegin(), found.rend(), [](const Low& l) { return l.gave_back; });
    if (last_given_back != found.rend())
        std::erase_if(since, [&](const AfterCollection& l) { return l.t_s < last_given_back->level.t_s; });

    if (lows.size() >= 2 && lows_climb(lows)) {
        const std::string seen = fmt::format("what each collection of its old generation left (marking cycles, full "
                                             "collections) climbed: {}",
                                             levels_text(lows));
        if (lows.size() < kLevelsForAPace) {
            Diagnosis d = undecided_growth(heap, lows, lows.back().t_s - lows.front().t_s, steady_from_s);
            d.summary = fmt::format("Growing {} in the {}'s heap: {}; two are too few to tell growth from their spread: "
                                    "watch at least {} more.",
                                    format_rate(d.steady_rate_bytes_per_s), heap.runtime, seen, format_duration(*d.watch_more_s));
            return RuntimeHeapFinding{d, "two lows after collections of the old generation, too few for a pace"};
        }
        std::vector<AfterCollection> spanned = levels;
        std::erase_if(spanned, [&](const AfterCollection& l) { return l.t_s < lows.front().t_s || l.t_s > lows.back().t_s; });
        Diagnosis d = leak_from_levels(heap, lows, spanned, 0, steady_from_s, options);
        d.confidence = 0.8;  // a mixed collection leaves some garbage too: only a full collection measures what is live
        d.summary = fmt::format("Leak in the {}'s heap: {}; it grows {}.{}{}", heap.runtime, seen, rate_with_interval(d),
                                projection_sentence(d), maximum_heap_note(heap, d));
        return RuntimeHeapFinding{d, fmt::format("the lows after {} collections of the old generation climb", lows.size())};
    }
    if (lows.size() >= kLevelsForAPace && lows_still_rising(lows)) {
        const double span_s = lows.back().t_s - lows.front().t_s;
        Diagnosis d = undecided_growth(heap, lows, span_s, steady_from_s);
        d.summary = fmt::format("Growing {} in the {}'s heap: what each collection of its old generation left climbed {}, but "
                                "ever slower, as a cache that is still filling does; a leak keeps its pace: watch at least {} more.",
                                format_rate(d.steady_rate_bytes_per_s), heap.runtime, levels_text(lows), format_duration(*d.watch_more_s));
        return RuntimeHeapFinding{d, fmt::format("the lows after {} collections of the old generation climb, slowing", lows.size())};
    }
    // Lows that return to the same band: the reclamations keep giving back what was promoted, and a climb
    // since the last one is the next cycle's filling (G1 under -Xmx64m marked the cache every second, each
    // mixed phase giving back a few MB: 30 lows at 50.0-52.6 MB). With fewer than three that gave nothing
    // back, a climb through them is not measured yet.
    if (lows.size() >= kLevelsForAPace || (lows.size() >= 2 && last_given_back != found.rend())) return std::nullopt;
    if (climbs_ahead_of_reclamation(since)) return unreclaimed_climb(heap, since, steady_from_s);
    const double since_s = last_given_back != found.rend() ? last_given_back->level.t_s : -std::numeric_limits<double>::infinity();
    if (std::vector<AfterCollection> climb = exact_climb(heap, since_s); !climb.empty()) return unreclaimed_climb(heap, climb, steady_from_s);
    return std::nullopt;
}

}  // namespace leakscope::diagnosis::detail
