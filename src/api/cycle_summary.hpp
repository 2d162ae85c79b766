// The plain sentences of a cycle measurement, in cycles (or steps) and bytes.
#pragma once

#include <string>

#include "leakscope/cycles.hpp"

namespace leakscope::detail {

/// "Live heap grows 32 B per cycle (95% interval 31 B to 33 B) in steady state, after a one-time
/// warm-up of 25.2 MB over the first 3 cycles."
std::string cycle_summary(const CycleResult& result);

}  // namespace leakscope::detail
