// A one-line chart in Unicode block characters, for the terminal summary and the Markdown report.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace leakscope::report {

/// A one-line chart of `values` in `width` cells of ▁▂▃▄▅▆▇█ (bucket peaks). The scale spans at least 25%
/// of the top value, so noise of a few percent stays low and flat instead of filling the line.
std::string sparkline(const std::vector<double>& values, std::size_t width);

}  // namespace leakscope::report
