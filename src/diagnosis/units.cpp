#include "diagnosis/units.hpp"

#include <array>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace leakscope::diagnosis {
namespace {

constexpr std::array<const char*, 6> kDecimalNames{"B", "kB", "MB", "GB", "TB", "PB"};
constexpr std::array<const char*, 6> kBinaryNames{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

/// `significant` digits (three in every label but an interval's ends) in `base` multiples. The unit is
/// chosen after rounding, so 999.6 kB prints as "1.00 MB", not "1000 kB". Whole bytes have no decimals.
std::string scaled(double bytes, bool show_sign, double base, const std::array<const char*, 6>& names, int significant) {
    if (!std::isfinite(bytes)) return "n/a";
    double magnitude = std::fabs(bytes);
    if (magnitude < 0.5) return "0 B";  // no "-0 B" from a rate that is zero but for rounding
    std::size_t unit = 0;
    while (unit + 1 < names.size() && magnitude >= base - 0.5) {
        magnitude /= base;
        ++unit;
    }
    const double value = bytes < 0 ? -magnitude : magnitude;
    // Decimals so that the figure has `significant` digits after rounding: for three, 9.995 and above
    // print "10.0", 99.95 and above "100".
    int decimals = 0;
    if (unit != 0) {
        decimals = significant - 1;
        while (decimals > 0 && magnitude >= std::pow(10.0, significant - decimals) - 0.5 * std::pow(10.0, -decimals)) --decimals;
    }
    std::array<char, 64> buffer{};
    std::snprintf(buffer.data(), buffer.size(), show_sign ? "%+.*f %s" : "%.*f %s", decimals, value, names[unit]);
    return buffer.data();
}

}  // namespace

std::string format_bytes(double bytes, bool show_sign, int significant) {
    return scaled(bytes, show_sign, 1000.0, kDecimalNames, significant);
}

std::string format_bytes_binary(double bytes) { return scaled(bytes, false, 1024.0, kBinaryNames, 3); }

std::string format_rate_per_s(double bytes_per_s, bool show_sign, int significant) {
    if (!std::isfinite(bytes_per_s)) return "n/a";
    return format_bytes(bytes_per_s, show_sign, significant) + "/s";
}

std::string format_rate_per_h(double bytes_per_s, bool show_sign, int significant) {
    if (!std::isfinite(bytes_per_s)) return "n/a";
    return format_bytes(bytes_per_s * 3600.0, show_sign, significant) + "/h";
}

std::string format_rate(double bytes_per_s, bool show_sign) {
    const double per_hour = std::fabs(bytes_per_s) * 3600.0;
    if (per_hour >= 10e6 && std::fabs(bytes_per_s) < 1e6) return format_rate_per_h(bytes_per_s, show_sign);
    return format_rate_per_s(bytes_per_s, show_sign);
}

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds)) return "n/a";
    if (seconds < 0) return fmt::format("-{}", format_duration(-seconds));
    if (seconds < 1.0) return fmt::format("{:.0f} ms", seconds * 1000.0);
    if (seconds < 60.0) return fmt::format("{:.1f} s", seconds);
    // Minutes and hours in whole units with their remainder ("12 min 30 s", "5 h 20 min"): a person
    // reads "watch at least 2 min more" at once, "2.0 min" or "0.3 h" only after a moment.
    const auto whole_seconds = static_cast<long long>(std::llround(seconds));
    if (seconds < 3600.0) {
        const long long minutes = whole_seconds / 60, rest = whole_seconds % 60;
        return rest ? fmt::format("{} min {} s", minutes, rest) : fmt::format("{} min", minutes);
    }
    if (seconds < 48.0 * 3600.0) {
        const long long total_minutes = (whole_seconds + 30) / 60;
        const long long hours = total_minutes / 60, minutes = total_minutes % 60;
        return minutes ? fmt::format("{} h {} min", hours, minutes) : fmt::format("{} h", hours);
    }
    return fmt::format("{:.1f} days", seconds / 86400.0);
}

ByteUnit byte_unit_for(double max_abs) {
    double divisor = 1;
    std::size_t index = 0;
    // Switch at 999.5 of the smaller unit, as format_bytes does, so an axis and a label agree.
    while (index + 1 < kDecimalNames.size() && max_abs >= 999.5 * divisor) {
        divisor *= 1000;
        ++index;
    }
    return {divisor, kDecimalNames[index]};
}

}  // namespace leakscope::diagnosis
