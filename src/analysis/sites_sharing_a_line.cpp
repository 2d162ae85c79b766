#include "analysis/sites_sharing_a_line.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "analysis/heap_growth_without_sites.hpp"  // kWeakLowShareOfRate
#include "analysis/site_folding.hpp"
#include "diagnosis/sites.hpp"                     // kSiteFalseDiscoveryRate

namespace leakscope::analysis {
namespace {

// A trend whose interval reaches near zero is weak evidence (heap_growth_without_sites.hpp): summing
// the sites of a buffer pool that all allocate at one line gives back the heap's own weak trend, and
// would name a "leaking" row where the tracker's evidence says the rise is the sites' ups and downs.
bool strong(const diagnosis::Diagnosis& d) { return d.rate_ci_low_bytes_per_s >= kWeakLowShareOfRate * d.steady_rate_bytes_per_s; }

using LineKey = std::tuple<std::uint32_t, std::string, std::string, int>;

LineKey line_of(const SiteReport& site) { return {site.process, site.function, site.file.value_or(""), site.line.value_or(0)}; }

}  // namespace

void judge_sites_sharing_a_line_together(const Recording& recording, double until_t_s, const diagnosis::Options& site_options,
                                         const diagnosis::ProcessDiagnosis& process, std::vector<SiteReport>& sites) {
    if (recording.info.tracker_mode != "full" || process.metric != "live_heap") return;
    if (!process.verdict.leak || !process.verdict.decided || !strong(process.verdict)) return;
    if (std::any_of(sites.begin(), sites.end(), [](const SiteReport& s) { return s.diagnosis.leak; })) return;
    const auto& t = recording.sites.t_s;
    const std::size_t columns = static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), until_t_s) - t.begin());
    if (columns < 2) return;

    std::map<LineKey, std::vector<std::size_t>> groups;  // site positions by their allocating line
    for (std::size_t i = 0; i < sites.size(); ++i)
        if (sites[i].function != "??") groups[line_of(sites[i])].push_back(i);
    const auto shared = std::count_if(groups.begin(), groups.end(), [](const auto& group) { return group.second.size() >= 2; });
    std::vector<std::size_t> merged_away;
    for (const auto& [line, members] : groups) {
        if (members.size() < 2) continue;
        const diagnosis::Series sum = summed_site_series(recording, sites, members, columns);
        diagnosis::Diagnosis together = diagnosis::diagnose(sum, site_options);
        // One more test for each shared line: its leak call must hold against all of them (Bonferroni).
        const double q = std::min(1.0, diagnosis::growth_p_value(together, site_options.confidence_level) * static_cast<double>(shared));
        if (!together.leak || !together.decided || !strong(together) || q > diagnosis::kSiteFalseDiscoveryRate) continue;
        // The member holding the most at the end names the row; the others are folded into it.
        fold_sites_into_one_row(sites, members, sum, std::move(together), q, merged_away);
    }
    erase_folded_sites(sites, std::move(merged_away));
}

}  // namespace leakscope::analysis
