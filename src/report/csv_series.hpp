// The memory series as CSV, one row per sample point, for spreadsheets and plotting scripts.
#pragma once

#include <ostream>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// Columns: t_s,rss,pss,anon,file,swap,live_heap,mapped,events (bytes; events cumulative). A cell is
/// empty where the gauge was not measured (no smaps_rollup, tracker off, no events counted).
void write_csv(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
