// The report options that run, attach and analyze share: where to write which report, and the
// settings the analysis takes (--limit, --debug-dir).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::cli {

struct ReportOptions {
    std::string json_path, html_path, markdown_path, folded_path, csv_path;
    std::string limit_text;                ///< --limit, parsed by analysis_options()
    std::vector<std::string> debug_dirs;
    bool quiet = false;                    ///< no summary on stderr

    /// Throws CliError for a malformed --limit.
    analysis::Options analysis_options() const;
};

void add_report_options(CLI::App& command, ReportOptions& options);

/// Diagnoses the recording, writes every report asked for, prints the terminal summary (to stderr,
/// so the target's stdout stays the target's) and returns the analysis. `recording_path` is shown.
analysis::Analysis analyze_and_report(const Recording& recording, const ReportOptions& options,
                                      const std::string& recording_path);

}  // namespace leakscope::cli
