// Byte counts and rates as a person reads them ("1.5 KiB", "-32 B"), for summaries and test failures.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace leakscope::detail {

inline std::string byte_text(double bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double magnitude = std::fabs(bytes);
    int unit = 0;
    while (magnitude >= 1024 && unit < 4) {
        magnitude /= 1024;
        ++unit;
    }
    char text[48];
    const char* sign = bytes < 0 ? "-" : "";
    if (unit == 0 && magnitude == std::floor(magnitude))
        std::snprintf(text, sizeof text, "%s%.0f B", sign, magnitude);
    else
        std::snprintf(text, sizeof text, "%s%.*f %s", sign, magnitude < 10 ? 2 : 1, magnitude, units[unit]);
    return text;
}

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
