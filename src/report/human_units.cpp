#include "report/human_units.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace leakscope::report {

std::string format_rate(double bytes_per_unit, const char* unit) {
    return fmt::format("{}/{}", format_bytes(bytes_per_unit), unit);
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds)) return "n/a";
    if (seconds < 0) return fmt::format("-{}", format_duration(-seconds));
    if (seconds < 1) return fmt::format("{:.0f} ms", seconds * 1000);
    if (seconds < 60) return fmt::format("{:.1f} s", seconds);
    auto whole = static_cast<long long>(std::llround(seconds));
    if (seconds < 3600) {
        long long minutes = whole / 60, rest = whole % 60;
        return rest ? fmt::format("{} min {} s", minutes, rest) : fmt::format("{} min", minutes);
    }
    if (seconds < 2 * 86400) {
        long long total_minutes = (whole + 30) / 60;
        long long hours = total_minutes / 60, minutes = total_minutes % 60;
        return minutes ? fmt::format("{} h {} min", hours, minutes) : fmt::format("{} h", hours);
    }
    return fmt::format("{:.1f} days", seconds / 86400);
}

std::string format_percent(double fraction) {
    if (!std::isfinite(fraction)) return "n/a";
    return fmt::format("{:.0f}%", fraction * 100);
}

std::string format_count(double count) {
    if (!std::isfinite(count)) return "n/a";
    auto digits = fmt::format("{:.0f}", std::fabs(count));
    std::string grouped;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
        grouped += digits[i];
    }
    return (count < 0 ? "-" : "") + grouped;
}

std::string format_count_of(double count, const char* noun) {
    return fmt::format("{} {}{}", format_count(count), noun, count == 1 ? "" : "s");
}

}  // namespace leakscope::report
