// The words a leakscope verdict is spoken in: the memory pattern and how bad it is. Same names and
// spellings as the JSON report (`leakscope run --json`), so results from the API and the CLI compare.
#pragma once

#include <ostream>
#include <string_view>
#if __has_include(<format>)
#include <format>
#endif

#include "leakscope/export.h"

namespace leakscope {

enum class Pattern {
    stable,               ///< flat
    warmup_plateau,       ///< one-time growth, then flat: not a leak
    bounded_sawtooth,     ///< grows and is trimmed back to a cap, again and again: not a leak
    periodic_spikes,      ///< returns to its baseline after each spike: not a leak
    linear_growth,        ///< steady growth that does not stop: a leak
    staircase_growth,     ///< grows in steps that never come back down: a leak
    accelerating_growth,  ///< grows faster and faster: a leak
    fragmentation,        ///< resident memory grows while the live heap does not
    insufficient_data,    ///< too few points to tell
};

enum class Severity { none, low, medium, high, critical };

/// "warmup_plateau", "linear_growth", ... (the JSON report's spelling).
LEAKSCOPE_API std::string_view to_string(Pattern pattern);
/// "none", "low", "medium", "high", "critical".
LEAKSCOPE_API std::string_view to_string(Severity severity);

/// `std::cout << result.pattern` prints "linear_growth"; fmt (10 and later) finds format_as.
inline std::ostream& operator<<(std::ostream& out, Pattern pattern) { return out << to_string(pattern); }
inline std::ostream& operator<<(std::ostream& out, Severity severity) { return out << to_string(severity); }
inline std::string_view format_as(Pattern pattern) { return to_string(pattern); }
inline std::string_view format_as(Severity severity) { return to_string(severity); }

}  // namespace leakscope

#if defined(__cpp_lib_format)
/// std::format("{}", result.pattern) gives "linear_growth" (width and alignment as for strings).
template <>
struct std::formatter<leakscope::Pattern> : std::formatter<std::string_view> {
    auto format(leakscope::Pattern pattern, std::format_context& context) const {
        return std::formatter<std::string_view>::format(leakscope::to_string(pattern), context);
    }
};
template <>
struct std::formatter<leakscope::Severity> : std::formatter<std::string_view> {
    auto format(leakscope::Severity severity, std::format_context& context) const {
        return std::formatter<std::string_view>::format(leakscope::to_string(severity), context);
    }
};
#endif
