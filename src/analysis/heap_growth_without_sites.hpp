// Full tracking counts every allocation, so a live heap that truly grows has a call site that grows:
// a leak's site carries the rise on its own, cleaner than the total, where every other site's ups and
// downs add noise. A heap whose trend only just clears zero while no site grows steadily is the sum
// of sites going up and down (a buffer pool, a request cache), not a leak found: the tracker's
// evidence says so, and the verdict waits for more data instead of calling it. (On two flat corpus
// programs, a jemalloc buffer pool and a node request cache, the heap's 95% interval read 6.7 to
// 223 MB/h and 2.9 to 139 MB/h, "Leak, critical", with no site a leak; RSS alone said no leak.)
#pragma once

#include "analysis/analysis.hpp"

namespace leakscope::analysis {

/// Below this share of the rate, the lower end of the heap's interval makes its trend weak evidence.
inline constexpr double kWeakLowShareOfRate = 0.25;
/// A site growing at this share of the heap's rate or more holds the heap's rise: when it is no leak,
/// neither is the heap yet, whatever the heap's own interval says.
inline constexpr double kOneSiteShareOfRate = 0.75;

/// RSS alone calls a decided leak at a pace whose interval overlaps the heap's: a second witness that the heap's
/// rise, however weak its own trend, is no sum of noise.
bool rss_corroborates_heap_leak(const diagnosis::ProcessDiagnosis& process);

/// Turns a decided leak on the fully tracked live heap into "undecided" when no site is a leak and
/// either its trend is weak evidence or one site holds most of its rate (the site's test, which is
/// stricter for testing every site, then speaks for those bytes); in a `collected_runtime` (node: its
/// native objects are freed when the collector collects their wrappers) a weak trend waits whatever its
/// sites do, since they grow ahead of the collections too.
/// When RSS alone decided a leak of its own beside a plain rise one site holds, the leak stands and that
/// site is marked the leak's (the tracker may only add to what RSS shows).
/// Does nothing when RSS alone corroborates the leak (rss_corroborates_heap_leak), nor with sampled tracking or none (sampled_attribution.hpp names the sites there), for a
/// heap that grew in steps (attributed to the sites that carry them), after a lost stream (the
/// sites were judged on less) or when no site was recorded. `until_t_s`: the end of the judged span.
void undecide_heap_growth_no_site_carries(const Recording& recording, double until_t_s, std::vector<SiteReport>& sites,
                                          bool collected_runtime, diagnosis::ProcessDiagnosis& process);

}  // namespace leakscope::analysis
