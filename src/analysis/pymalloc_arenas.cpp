#include "analysis/pymalloc_arenas.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "diagnosis/units.hpp"

#include "analysis/heap_growth_without_sites.hpp"  // kWeakLowShareOfRate, rss_corroborates_heap_leak
#include "analysis/site_folding.hpp"

namespace leakscope::analysis {
namespace {

/// Every column where the site held something, it held whole arenas, one block each.
bool holds_only_arenas(const SiteSeries::Site& series, std::size_t columns, double arena_bytes) {
    bool held = false;
    for (std::size_t c = 0; c < std::min({columns, series.live_bytes.size(), series.live_count.size()}); ++c) {
        if (series.live_count[c] <= 0) continue;
        if (static_cast<double>(series.live_bytes[c]) != static_cast<double>(series.live_count[c]) * arena_bytes) return false;
        held = true;
    }
    return held;
}

}  // namespace

std::optional<ArenaGrowth> judge_pymalloc_arenas_together(const Recording& recording, double until_t_s, double arena_bytes,
                                    const diagnosis::Options& site_options, const diagnosis::ProcessDiagnosis& process,
                                    std::vector<SiteReport>& sites) {
    if (arena_bytes <= 0 || recording.info.tracker_mode != "full" || process.metric != "live_heap") return std::nullopt;
    const diagnosis::Diagnosis& heap = process.verdict;
    if (!heap.leak || !heap.decided) return std::nullopt;
    const bool strong = heap.rate_ci_low_bytes_per_s >= kWeakLowShareOfRate * heap.steady_rate_bytes_per_s;
    if (!strong && !rss_corroborates_heap_leak(process)) return std::nullopt;
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
    // Their rise over the leak's steady state: the arenas the leak filled.
    const double from_s = heap.onset_s.value_or(heap.warmup_end_s);
    const auto from = std::lower_bound(sum.t_s.begin(), sum.t_s.end(), from_s) - sum.t_s.begin();
    const double rise = sum.value.back() - sum.value[static_cast<std::size_t>(std::min<std::ptrdiff_t>(from, static_cast<std::ptrdiff_t>(columns) - 1))];
    if (!(rise >= arena_bytes)) return std::nullopt;  // no arena came with the leak: not this story
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
