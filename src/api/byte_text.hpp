// Byte counts and durations as a person reads them ("1.50 kB", "-32 B"), for summaries and test failures.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

#include "diagnosis/units.hpp"

namespace leakscope::detail {

/// The tree's one byte formatter (decimal: "1.50 kB", "24.1 MB"); the library's messages read like the CLI's.
inline std::string byte_text(double bytes) { return diagnosis::format_bytes(bytes); }

inline std::string duration_text(double seconds) {
    char text[48];
    if (seconds < 120)
        std::snprintf(text, sizeof text, "%.0f s", seconds);
    else if (seconds < 2 * 3600)
        std::snprintf(text, sizeof text, "%.0f min", seconds / 60);
    else if (seconds < 3 * 86400)
        std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
    else
        std::snprintf(text, sizeof text, "%.1f days", seconds / 86400);
    return text;
}

}  // namespace leakscope::detail
