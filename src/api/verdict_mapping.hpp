// The public Pattern/Severity (include/leakscope/verdict.hpp) from the diagnosis engine's own enums.
// Spelled out case by case so that a reordering on either side cannot silently swap meanings.
#pragma once

#include "diagnosis/diagnosis.hpp"
#include "leakscope/verdict.hpp"

namespace leakscope::detail {

inline Pattern public_pattern(diagnosis::Pattern pattern) {
    switch (pattern) {
        case diagnosis::Pattern::stable: return Pattern::stable;
        case diagnosis::Pattern::warmup_plateau: return Pattern::warmup_plateau;
        case diagnosis::Pattern::bounded_sawtooth: return Pattern::bounded_sawtooth;
        case diagnosis::Pattern::periodic_spikes: return Pattern::periodic_spikes;
        case diagnosis::Pattern::linear_growth: return Pattern::linear_growth;
        case diagnosis::Pattern::staircase_growth: return Pattern::staircase_growth;
        case diagnosis::Pattern::accelerating_growth: return Pattern::accelerating_growth;
        case diagnosis::Pattern::fragmentation: return Pattern::fragmentation;
        case diagnosis::Pattern::insufficient_data: return Pattern::insufficient_data;
    }
    return Pattern::insufficient_data;
}

inline Severity public_severity(diagnosis::Severity severity) {
    switch (severity) {
        case diagnosis::Severity::none: return Severity::none;
        case diagnosis::Severity::low: return Severity::low;
        case diagnosis::Severity::medium: return Severity::medium;
        case diagnosis::Severity::high: return Severity::high;
        case diagnosis::Severity::critical: return Severity::critical;
    }
    return Severity::none;
}

}  // namespace leakscope::detail
