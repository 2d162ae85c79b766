#include "diagnosis/units.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace leakscope::diagnosis {
namespace {

std::string printf_string(const char* format, double value, const char* unit) {
    std::array<char, 64> buffer{};
    std::snprintf(buffer.data(), buffer.size(), format, value, unit);
    return buffer.data();
}

std::string scaled_bytes(double bytes, bool show_sign) {
    if (!std::isfinite(bytes)) return "n/a";
    static constexpr std::array<const char*, 6> kUnits{"B", "KB", "MB", "GB", "TB", "PB"};
    double magnitude = std::fabs(bytes);
    std::size_t unit = 0;
    // Round first so 1023.96 KB prints as "1.0 MB", not "1024.0 KB".
    while (unit + 1 < kUnits.size() && (unit == 0 ? magnitude >= 1024.0 : magnitude >= 1023.95)) {
        magnitude /= 1024.0;
        ++unit;
    }
    const double signed_value = bytes < 0 ? -magnitude : magnitude;
    if (unit == 0) return printf_string(show_sign ? "%+.0f %s" : "%.0f %s", signed_value, kUnits[unit]);
    return printf_string(show_sign ? "%+.1f %s" : "%.1f %s", signed_value, kUnits[unit]);
}

}  // namespace

std::string format_bytes(double bytes) { return scaled_bytes(bytes, false); }

std::string format_rate_per_s(double bytes_per_s, bool show_sign) {
    if (!std::isfinite(bytes_per_s)) return "n/a";
    // Rates from 100 B/s up read better in KB/s ("0.3 KB/s"), like the figures teams quote.
    if (std::fabs(bytes_per_s) >= 99.95 && std::fabs(bytes_per_s) < 1024.0)
        return printf_string(show_sign ? "%+.1f %s" : "%.1f %s", bytes_per_s / 1024.0, "KB/s");
    return scaled_bytes(bytes_per_s, show_sign) + "/s";
}

std::string format_rate_per_h(double bytes_per_s, bool show_sign) {
    if (!std::isfinite(bytes_per_s)) return "n/a";
    return scaled_bytes(bytes_per_s * 3600.0, show_sign) + "/h";
}

std::string format_rate(double bytes_per_s, bool show_sign) {
    const double per_hour = std::fabs(bytes_per_s) * 3600.0;
    if (per_hour >= 10 * 1024.0 * 1024.0 && std::fabs(bytes_per_s) < 1024.0 * 1024.0)
        return format_rate_per_h(bytes_per_s, show_sign);
    return format_rate_per_s(bytes_per_s, show_sign);
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds)) return "n/a";
    const double magnitude = std::fabs(seconds);
    if (magnitude < 1.0) return printf_string("%.0f %s", seconds * 1000.0, "ms");
    if (magnitude < 60.0) return printf_string("%.1f %s", seconds, "s");
    if (magnitude < 3600.0) return printf_string("%.1f %s", seconds / 60.0, "min");
    if (magnitude < 48.0 * 3600.0) return printf_string("%.1f %s", seconds / 3600.0, "h");
    return printf_string("%.1f %s", seconds / 86400.0, "days");
}

}  // namespace leakscope::diagnosis
