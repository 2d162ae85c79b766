#include "analysis/sites_beside_a_flat_heap.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "diagnosis/units.hpp"

namespace leakscope::analysis {

void agree_sites_with_a_flat_heap(const diagnosis::ProcessDiagnosis& process, std::vector<SiteReport>& sites) {
    const diagnosis::Diagnosis& verdict = process.verdict;
    // Fragmentation rests on RSS, beside a live heap it calls flat: the same heap, the same story for its
    // sites, whether the heap's own verdict is decided or waits on a slow rise (sampled tracking's estimate
    // of a resolver cache's site read "+2.19 GB/h, leak" under "the live heap stays flat (+19.6 MB/h)").
    // A heap that grows too keeps its sites: that verdict points at them ("look at its sites").
    const bool flat_heap_beside_fragmentation =
        verdict.pattern == diagnosis::Pattern::fragmentation && process.live_heap && !process.live_heap->leak;
    if (verdict.leak || !verdict.decided || !(process.metric == "live_heap" || flat_heap_beside_fragmentation)) return;
    const std::string why =
        verdict.settling_toward_bytes && verdict.pattern == diagnosis::Pattern::warmup_plateau
            ? fmt::format(" (Not called a leak: its growth is part of the live heap's warm-up, still settling toward about {}.)",
                          diagnosis::format_bytes(*verdict.settling_toward_bytes))
            : std::string(" (Not called a leak: the live heap as a whole does not grow, so what this site gains other sites "
                          "give back.)");
    bool changed = false;
    for (auto& site : sites) {
        if (!site.diagnosis.leak) continue;
        site.diagnosis.leak = false;
        site.diagnosis.summary += why;
        changed = true;
    }
    if (!changed) return;
    // Stable: sites of equal growth keep the order by memory held that they were given.
    std::stable_sort(sites.begin(), sites.end(), [](const SiteReport& a, const SiteReport& b) {
        return a.diagnosis.steady_rate_bytes_per_s > b.diagnosis.steady_rate_bytes_per_s;
    });
}

}  // namespace leakscope::analysis
