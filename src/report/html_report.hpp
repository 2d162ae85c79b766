// The HTML report: one self-contained file (inline CSS, SVG and a little script; nothing fetched), for
// `leakscope report` and `--html` on run/attach/analyze.
#pragma once

#include <ostream>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// Verdict at the top, memory over time, sites (stacked chart, table, icicle graph), RSS decomposition
/// when the heap is known, and the run's facts.
void write_html(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
