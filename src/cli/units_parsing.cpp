#include "cli/units_parsing.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace leakscope::cli {
namespace {

/// Splits "1.5h" into 1.5 and "h"; nullopt when there is no leading number.
std::optional<std::pair<double, std::string>> number_and_suffix(const std::string& text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !std::isfinite(value) || value < 0) return std::nullopt;
    std::string suffix(end);
    for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return std::make_pair(value, suffix);
}

}  // namespace

std::optional<double> parse_duration_s(const std::string& text) {
    const auto parsed = number_and_suffix(text);
    if (!parsed) return std::nullopt;
    const auto& [value, suffix] = *parsed;
    if (suffix.empty() || suffix == "s") return value;
    if (suffix == "ms") return value / 1000.0;
    if (suffix == "m" || suffix == "min") return value * 60.0;
    if (suffix == "h") return value * 3600.0;
    if (suffix == "d") return value * 86400.0;
    return std::nullopt;
}

std::optional<std::uint64_t> parse_bytes(const std::string& text) {
    const auto parsed = number_and_suffix(text);
    if (!parsed) return std::nullopt;
    auto [value, suffix] = *parsed;
    if (!suffix.empty() && suffix.back() == 'b') suffix.pop_back();
    if (!suffix.empty() && suffix.back() == 'i') suffix.pop_back();
    double scale = 1;
    if (suffix == "k") scale = 1024.0;
    else if (suffix == "m") scale = 1024.0 * 1024;
    else if (suffix == "g") scale = 1024.0 * 1024 * 1024;
    else if (suffix == "t") scale = 1024.0 * 1024 * 1024 * 1024;
    else if (!suffix.empty()) return std::nullopt;
    const double bytes = value * scale;
    if (bytes > 1.8e19) return std::nullopt;
    return static_cast<std::uint64_t>(std::llround(bytes));
}

}  // namespace leakscope::cli
