#include "analysis/site_folding.hpp"

#include <algorithm>

namespace leakscope::analysis {

diagnosis::Series summed_site_series(const Recording& recording, const std::vector<SiteReport>& sites,
                                     const std::vector<std::size_t>& members, std::size_t columns) {
    const auto& t = recording.sites.t_s;
    diagnosis::Series sum;
    sum.t_s.assign(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(std::min(columns, t.size())));
    sum.value.assign(sum.t_s.size(), 0.0);
    for (const std::size_t member : members) {
        const auto& bytes = recording.sites.sites[sites[member].series_index].live_bytes;
        for (std::size_t c = 0; c < sum.value.size(); ++c)
            sum.value[c] += bytes.empty() ? 0.0 : static_cast<double>(bytes[std::min(c, bytes.size() - 1)]);
    }
    return sum;
}

std::size_t fold_sites_into_one_row(std::vector<SiteReport>& sites, const std::vector<std::size_t>& members,
                                    const diagnosis::Series& sum, diagnosis::Diagnosis together, double q_value,
                                    std::vector<std::size_t>& merged_away) {
    const std::size_t named = *std::max_element(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
        return sites[a].live_bytes < sites[b].live_bytes;
    });
    SiteReport& row = sites[named];
    row.diagnosis = std::move(together);
    row.q_value = q_value;
    row.call_paths = members.size();
    row.live_bytes = sum.value.empty() ? 0.0 : sum.value.back();
    row.peak_live_bytes = sum.value.empty() ? 0.0 : *std::max_element(sum.value.begin(), sum.value.end());
    for (const std::size_t member : members) {
        if (member == named) continue;
        row.total_allocations += sites[member].total_allocations;
        row.total_bytes += sites[member].total_bytes;
        row.folded_stacks.push_back(sites[member].stack);
        row.folded_series.push_back(sites[member].series_index);
        merged_away.push_back(member);
    }
    return named;
}

void erase_folded_sites(std::vector<SiteReport>& sites, std::vector<std::size_t> merged_away) {
    std::sort(merged_away.rbegin(), merged_away.rend());
    for (const std::size_t member : merged_away) sites.erase(sites.begin() + static_cast<std::ptrdiff_t>(member));
    std::stable_sort(sites.begin(), sites.end(), [](const SiteReport& a, const SiteReport& b) { return a.diagnosis.leak > b.diagnosis.leak; });
}

}  // namespace leakscope::analysis
