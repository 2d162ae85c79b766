// This process's resident set size, for the monitor's built-in "process.rss" gauge.
#pragma once

#include <optional>

namespace leakscope::detail {

/// From /proc/self/statm (one read() of a small file, no stdio); empty when it cannot be read.
std::optional<double> process_rss_bytes();

}  // namespace leakscope::detail
