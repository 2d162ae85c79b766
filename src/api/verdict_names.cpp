#include "leakscope/verdict.hpp"

namespace leakscope {

std::string_view to_string(Pattern pattern) {
    switch (pattern) {
        case Pattern::stable: return "stable";
        case Pattern::warmup_plateau: return "warmup_plateau";
        case Pattern::bounded_sawtooth: return "bounded_sawtooth";
        case Pattern::periodic_spikes: return "periodic_spikes";
        case Pattern::linear_growth: return "linear_growth";
        case Pattern::staircase_growth: return "staircase_growth";
        case Pattern::accelerating_growth: return "accelerating_growth";
        case Pattern::fragmentation: return "fragmentation";
        case Pattern::insufficient_data: return "insufficient_data";
    }
    return "insufficient_data";
}

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::none: return "none";
        case Severity::low: return "low";
        case Severity::medium: return "medium";
        case Severity::high: return "high";
        case Severity::critical: return "critical";
    }
    return "none";
}

}  // namespace leakscope
