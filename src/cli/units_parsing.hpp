// Parsing of the human units the options take: durations ("90s", "5m", "1.5h", "250ms") and sizes
// ("512M", "8GiB", "1e9"). A bare number is seconds or bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace leakscope::cli {

/// Seconds, or nullopt when the text is not a valid non-negative duration.
std::optional<double> parse_duration_s(const std::string& text);
/// Bytes (K/M/G/T are powers of 1024, with or without "iB"/"B"), or nullopt.
std::optional<std::uint64_t> parse_bytes(const std::string& text);

}  // namespace leakscope::cli
