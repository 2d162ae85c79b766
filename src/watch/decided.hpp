// Whether a verdict is settled enough to act on (page someone, run --on-leak): the one place watch
// asks it, so the metric `leakscope_decided`, the transitions and the alert agree.
#pragma once

#include "diagnosis/diagnosis.hpp"

namespace leakscope::watch {

/// The engine's own answer (`Diagnosis::decided`: false while a slow leak cannot yet be told from a
/// warm-up still settling, or from noise), and never decided without enough data to name a pattern.
inline bool is_decided(const diagnosis::Diagnosis& verdict) {
    return verdict.decided && verdict.pattern != diagnosis::Pattern::insufficient_data;
}

}  // namespace leakscope::watch
