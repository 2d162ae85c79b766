// Sites judged one by one can show growth the live heap as a whole does not have: memory passing from
// site to site (one gains what others give back: a buffer reallocated from another call path, a pool
// handing out what it took), or a site's share of a warm-up still settling, whose short stretch of
// climb reads as a line on its own. A report that says "no leak" above a site called a leak tells two
// stories; the heap's decided verdict is the one that holds.
#pragma once

#include <vector>

#include "analysis/analysis.hpp"

namespace leakscope::analysis {

/// When the process's verdict is a decided "no leak" resting on the live heap, or fragmentation beside a
/// live heap that is not a leak, no site is called a leak:
/// each one that was says why it is not, and the sites are ordered again (leaks first, then by growth).
void agree_sites_with_a_flat_heap(const diagnosis::ProcessDiagnosis& process, std::vector<SiteReport>& sites);

}  // namespace leakscope::analysis
