// The frames of a recorded stack as the reports print them, read from Recording::symbols (filled at the
// end of the run by symbolize_recording, or read back from a recording file).
#pragma once

#include <vector>

#include "model/recording.hpp"

namespace leakscope::symbols {

/// The frames of `stack`, innermost first, inlined frames included. An address missing from
/// `recording.symbols` (leakscope was killed before it could symbolize) gives one "??" frame placed by
/// the module map as module+offset, so the stack still prints and keeps its depth.
std::vector<ResolvedFrame> recorded_frames(const Recording& recording, const Stack& stack);

}  // namespace leakscope::symbols
