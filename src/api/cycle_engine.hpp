// How a cycle test hands its series to the diagnosis engine: the cycle number is the time axis, and the
// user's floor is the only practical floor. Shared by measure() and the Python binding, which asks the
// engine for fields CycleResult does not carry.
#pragma once

#include "diagnosis/diagnosis.hpp"
#include "leakscope/cycles.hpp"

namespace leakscope::detail {

diagnosis::Series cycle_series(const CycleResult& result);
diagnosis::Options cycle_engine_options(const MeasureOptions& options);

}  // namespace leakscope::detail
