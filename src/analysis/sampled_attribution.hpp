// With sampled tracking, each site's live bytes are an estimate that moves in steps of one sample
// (hundreds of kilobytes), so a site's own trend test rarely reaches significance after the
// correction for testing many sites, while the heap as a whole (every allocation counted) plainly
// grows. A leak verdict must still say where: the sites whose estimated live bytes rose the most over
// the leak's steady state, until they cover most of the heap's rise, are named as its sites.
#pragma once

#include <vector>

#include "analysis/analysis.hpp"

namespace leakscope::analysis {

/// Marks as leaking the sites that carry the rise of a leaking heap when sampling left none called
/// so. Does nothing unless the recording is sampled, the verdict is a leak on the live heap, and no
/// site is a leak already. Keeps the order leaks first.
void attribute_sampled_growth(const Recording& recording, const diagnosis::ProcessDiagnosis& process,
                              std::vector<SiteReport>& sites);

}  // namespace leakscope::analysis
