// Whether a verdict is settled enough to act on (page someone, run --on-leak): the one place watch
// asks it, so the metric `leakscope_decided`, the transitions and the alert agree.
#pragma once

#include "diagnosis/diagnosis.hpp"

namespace leakscope::watch {

/// SWITCH-OVER POINT: the lead is adding `bool decided` (and `watch_more_s`) to diagnosis::Diagnosis.
/// Until it lands this derives the answer from what exists: a verdict is decided once the engine has
/// enough data to name a pattern. When `Diagnosis::decided` exists, return `verdict.decided` here.
inline bool is_decided(const diagnosis::Diagnosis& verdict) {
    return verdict.pattern != diagnosis::Pattern::insufficient_data;
}

}  // namespace leakscope::watch
