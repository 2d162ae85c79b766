// GitHub Actions workflow commands: "::error file=src/log.cpp,line=42,title=...::message" at each leaking
// site's source line (so the pull request shows the leak next to the code), one annotation for the
// process's verdict, and the Markdown report for $GITHUB_STEP_SUMMARY.
#pragma once

#include <ostream>
#include <string>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// True when running as a GitHub Actions step (GITHUB_ACTIONS=true, which the runner sets).
bool in_github_actions();

/// The annotations, one line each: one per leaking site (with file/line when known; an error when the
/// process leaks, else a warning), and the verdict as an error (leak), a warning (too little data to
/// tell) or a notice (no leak).
/// `source_root`: paths under it are written relative to it, as GitHub expects.
void write_github_annotations(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis,
                              const std::string& source_root);

/// The workflow-command escaping of a message ('%', CR, LF) and of a property value (also ':' and ',').
std::string github_escape_message(const std::string& text);
std::string github_escape_property(const std::string& text);

}  // namespace leakscope::report
