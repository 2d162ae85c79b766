#include "analysis/site_called_a_leak.hpp"

#include <string>

#include <fmt/format.h>

namespace leakscope::analysis {

void call_site_a_leak(SiteReport& site, std::string_view why) {
    diagnosis::Diagnosis& d = site.diagnosis;
    d.leak = true;
    const std::string own = d.summary;
    d.summary = fmt::format("Called a leak from the process's verdict: {}", why);
    if (!own.empty()) d.summary += fmt::format(" Its own trend alone read: {}", own);
}

}  // namespace leakscope::analysis
