// Folded stacks for flame-graph tools (flamegraph.pl, speedscope, inferno): one line per stack,
// frames outermost-first joined by ';', a space, then the weight.
#pragma once

#include <ostream>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// Weight: the bytes each site holds live at the end of the run (what a leak leaves behind, and the
/// width of the HTML report's icicle graph). Sites holding nothing are left out. Frames are the
/// analysis's "function (file:line)" strings; with several tracked processes, the first frame names
/// the process. Only the sites the analysis kept (Options::max_sites) are written.
void write_folded(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
