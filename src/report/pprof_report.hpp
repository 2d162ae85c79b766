// pprof's profile.proto, gzipped (go tool pprof, speedscope, Grafana Pyroscope): the live heap by
// allocation stack at the end of the judged run, the allocations ever made, and — when the site grid
// spans the steady state — each stack's growth since steady state began.
#pragma once

#include <ostream>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// Sample types, in this order: alloc_objects (count), alloc_space (bytes), inuse_objects (count),
/// inuse_space (bytes, the default), growth_space (bytes: live at the end minus live when steady state
/// began; only when the recording has allocation sites over time).
/// Throws std::runtime_error when the stream cannot be written.
void write_pprof(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
