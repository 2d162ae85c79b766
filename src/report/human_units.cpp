#include "report/human_units.hpp"

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace leakscope::report {

std::string format_rate(double bytes_per_unit, const char* unit, int significant) {
    return fmt::format("{}/{}", format_bytes(bytes_per_unit, false, significant), unit);
}

std::string format_rate_interval(double low, double high, const char* unit, const char* separator) {
    const auto [from, to] = diagnosis::interval_ends(low, high, [&](double v, int digits) { return format_rate(v, unit, digits); });
    return from + separator + to;
}

std::string format_bytes_interval(double low, double high, const char* separator) {
    const auto [from, to] = diagnosis::interval_ends(low, high, [](double v, int digits) { return format_bytes(v, false, digits); });
    return from + separator + to;
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
