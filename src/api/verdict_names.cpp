#include "api/verdict_mapping.hpp"
#include "leakscope/verdict.hpp"

namespace leakscope {

// The names are the engine's own (the JSON schema's spelling): the public enums map onto the engine's
// one to one (api/verdict_mapping.hpp), so each public value finds its name through that mapping.

std::string_view to_string(Pattern pattern) {
    for (int i = 0; i <= static_cast<int>(diagnosis::Pattern::insufficient_data); ++i) {
        const auto engine = static_cast<diagnosis::Pattern>(i);
        if (detail::public_pattern(engine) == pattern) return diagnosis::to_string(engine);
    }
    return "insufficient_data";
}

std::string_view to_string(Severity severity) {
    for (int i = 0; i <= static_cast<int>(diagnosis::Severity::critical); ++i) {
        const auto engine = static_cast<diagnosis::Severity>(i);
        if (detail::public_severity(engine) == severity) return diagnosis::to_string(engine);
    }
    return "none";
}

}  // namespace leakscope
