// The Markdown report: the HTML report's facts as tables, ready to paste into an issue or a PR.
#pragma once

#include <ostream>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

void write_markdown(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
