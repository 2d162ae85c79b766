// A site whose own trend did not show the leak, but at which the process's verdict points: sampled
// tracking's few samples, a container doubling its capacity in steps too few for a trend, the one site
// holding a heap's rise that RSS's leak corroborates.
#pragma once

#include <string_view>

#include "analysis/analysis.hpp"

namespace leakscope::analysis {

/// Marks `site` leaking and rewrites its summary to read as one story: why it is called a leak, then
/// what its own trend alone read. Appended after it, "Called a leak ..." followed "... then flat (0 B/s,
/// not significant): no leak." (session 36; no report renders a site's summary yet).
void call_site_a_leak(SiteReport& site, std::string_view why);

}  // namespace leakscope::analysis
