// The end-of-run summary printed by run/attach/analyze: verdict, numbers, a sparkline, top sites.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// True when `fd` is a terminal that wants color: isatty, NO_COLOR unset (https://no-color.org),
/// and TERM is not "dumb".
bool use_color(int fd);

/// Writes the summary; ANSI colors only when `color`. `recording_path` is printed last (empty: omitted).
void print_terminal_summary(std::FILE* out, const Recording& recording, const analysis::Analysis& analysis,
                            bool color, std::string_view recording_path = {});

}  // namespace leakscope::report
