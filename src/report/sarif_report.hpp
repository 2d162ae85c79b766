// SARIF 2.1.0 (the format GitHub code scanning, GitLab and IDE viewers read): one result per leaking
// call site, located at the site's source line, with its whole stack as a code flow; a leak the
// process shows without a leaking site (no allocation tracking) is one result without a location.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// `source_root`: source paths under it become relative URIs against %SRCROOT% (report_facts' source_root()).
nlohmann::json make_sarif(const Recording& recording, const analysis::Analysis& analysis, const std::string& source_root);
void write_sarif(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
