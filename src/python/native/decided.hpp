// Whether a verdict is settled or needs more cycles. The one place that decides where the answer comes
// from: the engine's own `decided` (diagnosis::Diagnosis, and CycleResult once it carries it) when the
// build has it, otherwise "the engine named a pattern" (insufficient_data is the engine's undecided).
#pragma once

#include "diagnosis/diagnosis.hpp"
#include "leakscope/cycles.hpp"

namespace leakscope::python {

// A template so that the `requires` checks are dependent (a missing member is then no error).
template <typename Result = CycleResult, typename Engine = diagnosis::Diagnosis>
bool decided_of(const Result& result, const Engine& engine) {
    if constexpr (requires { result.decided; }) {
        return result.decided;
    } else if constexpr (requires { engine.decided; }) {
        return engine.decided;
    } else {
        return engine.pattern != diagnosis::Pattern::insufficient_data;
    }
}

}  // namespace leakscope::python
