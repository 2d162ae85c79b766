#include "analysis/pymalloc_arenas.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "diagnosis/summary_text.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

#include "analysis/heap_growth_without_sites.hpp"  // kWeakLowShareOfRate, rss_corroborates_heap_leak
#include "analysis/site_folding.hpp"

namespace leakscope::analysis {
namespace {

// The heap's growth is pymalloc taking arenas, and RSS alone does not call it a leak: pymalloc keeps an
// arena while any object in it lives, so a burst of small objects (an export's rows every 3 s) leaves
// arenas that later bursts reuse: a high-water mark that climbs in steps at the bursts, as a leak of small
// objects would. A Python usage meter exporting every 3 s: arenas 2.1 -> 9.5 MB in 16 s, "Leak 1.14 GB/h",
// while RSS's floor read a warm-up and a 60 s run's floor stayed within 19.5-26.2 MB.
void undecided_on_arenas_alone(diagnosis::Diagnosis& d, double rise, double span_s, double arena_bytes) {
    diagnosis::detail::make_undecided(d, span_s);  // as long again: a leak's arenas keep coming, a high-water mark's do not
    d.summary = fmt::format(
        "The heap grows {1}, {0} of it in pymalloc's {2:g} MiB arenas taken since the warm-up, while RSS alone shows no leak: pymalloc keeps an "
        "arena while any object in it lives, so arenas taken in bursts stay as a high-water mark, and a leak of small "
        "objects looks the same until it outgrows them. Too early to tell: watch at least {3} more, or run with "
        "PYTHONMALLOC=malloc to follow the objects themselves.",
        diagnosis::format_bytes(rise), diagnosis::detail::rate_with_interval(d), arena_bytes / (1 << 20),
        diagnosis::format_duration(*d.watch_more_s));
}

}  // namespace

bool holds_only_arenas(const SiteSeries::Site& series, std::size_t columns, double arena_bytes) {
    const std::size_t last = std::min({columns, series.live_bytes.size(), series.live_count.size()});
    if (last == 0 || series.live_count[last - 1] <= 0) return false;
    return static_cast<double>(series.live_bytes[last - 1]) == static_cast<double>(series.live_count[last - 1]) * arena_bytes;
}

std::optional<ArenaGrowth> judge_pymalloc_arenas_together(const Recording& recording, double until_t_s, double arena_bytes,
                                                          const diagnosis::Options& site_options, diagnosis::ProcessDiagnosis& process,
                                                          std::vector<SiteReport>& sites) {
    if (arena_bytes <= 0 || recording.info.tracker_mode != "full" || process.metric != "live_heap") return std::nullopt;
    diagnosis::Diagnosis& heap = process.verdict;
    if (!heap.leak || !heap.decided) return std::nullopt;
    const bool corroborated = rss_corroborates_heap_leak(process);
    const bool strong = heap.rate_ci_low_bytes_per_s >= kWeakLowShareOfRate * heap.steady_rate_bytes_per_s;
    const auto& t = recording.sites.t_s;
    const std::size_t columns = static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), until_t_s) - t.begin());
    if (columns < 2) return std::nullopt;

    // A site that holds more than arenas and leaks names the leak itself. One that holds arenas only and
    // "leaks" names whatever code happened to need three of them (uuid's hex in a service leaking loggers,
    // in a 60 s run): it is judged with the other arena sites.
    std::vector<std::size_t> members;
    bool arena_site_leaks = false;
    for (std::size_t i = 0; i < sites.size(); ++i) {
        if (holds_only_arenas(recording.sites.sites[sites[i].series_index], columns, arena_bytes)) {
            members.push_back(i);
            arena_site_leaks = arena_site_leaks || sites[i].diagnosis.leak;
        } else if (sites[i].diagnosis.leak) {
            return std::nullopt;
        }
    }
    if (members.empty()) return std::nullopt;
    const diagnosis::Series sum = summed_site_series(recording, sites, members, columns);
    // Their rise over the leak's steady state, from its lowest (a burst's blocks of their own may sit on
    // its first column): the arenas the growth took.
    const double from_s = heap.onset_s.value_or(heap.warmup_end_s);
    const auto from = std::min<std::ptrdiff_t>(std::lower_bound(sum.t_s.begin(), sum.t_s.end(), from_s) - sum.t_s.begin(),
                                               static_cast<std::ptrdiff_t>(sum.value.size()) - 1);
    const double rise = sum.value.back() - *std::min_element(sum.value.begin() + from, sum.value.end());
    if (!(rise >= arena_bytes)) return std::nullopt;  // no arena came with the leak: not this story
    const double span_s = sum.t_s.back() - from_s;
    if (rise >= kArenaShareOfGrowth * heap.steady_rate_bytes_per_s * span_s && !corroborated) {
        undecided_on_arenas_alone(heap, rise, span_s, arena_bytes);
        if (process.live_heap && process.live_heap->leak) process.live_heap = heap;
        return std::nullopt;
    }
    if (!strong && !corroborated) return std::nullopt;
    diagnosis::Diagnosis together = diagnosis::diagnose(sum, site_options);
    if (members.size() < 2 || !together.leak || !together.decided) {
        if (arena_site_leaks) return std::nullopt;  // that site's own call stands, with its arenas' caveat in the notice
        return ArenaGrowth{rise, members.size(), arena_bytes};
    }

    // The member holding the most at the end carries the row (its stack is one of the arenas' callers);
    // the row is named for what it is, not for that caller.
    const double q = std::min(1.0, diagnosis::growth_p_value(together, site_options.confidence_level));
    std::vector<std::size_t> merged_away;
    SiteReport& row = sites[fold_sites_into_one_row(sites, members, sum, std::move(together), q, merged_away)];
    row.function = kPymallocArenasRow;
    row.file.reset();
    row.line.reset();
    row.module.reset();
    erase_folded_sites(sites, std::move(merged_away));
    return std::nullopt;
}

std::string arena_growth_sentence(const ArenaGrowth& growth) {
    return fmt::format("The heap's rise of {} came in pymalloc's {:g} MiB arenas, each charged to the code that needed a new one "
                       "({} such sites, none growing on its own): small objects (512 bytes or less) leak there without a site "
                       "of their own. Run with PYTHONMALLOC=malloc to count every object at its line (~1.4x the interpreter's time).",
                       diagnosis::format_bytes(growth.rise_bytes), growth.arena_bytes / (1 << 20), growth.arena_sites);
}

}  // namespace leakscope::analysis
