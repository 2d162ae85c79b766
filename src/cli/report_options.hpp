// The report options that run, attach and analyze share: where to write which report, and the
// settings the analysis takes (--limit, --debug-dir).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "compare/baseline_check.hpp"
#include "model/recording.hpp"

namespace leakscope::cli {

struct ReportOptions {
    std::string json_path, html_path, markdown_path, folded_path, csv_path;
    std::string junit_path, sarif_path, pprof_path;  ///< the CI formats
    std::string baseline_path;             ///< --baseline REPORT.json
    std::string limit_text;                ///< --limit, parsed by analysis_options()
    std::vector<std::string> debug_dirs;
    bool quiet = false;                    ///< no summary on stderr

    /// Throws CliError for a malformed --limit.
    analysis::Options analysis_options() const;
    /// Reads --baseline; none without it. Called before a run starts, so a bad file fails at once.
    /// Throws CliError (exit 2) for a file that is not a usable report.
    std::optional<compare::BaselineRate> baseline() const;
};

void add_report_options(CLI::App& command, ReportOptions& options);

/// Diagnoses the recording, writes every report asked for, prints the terminal summary (to stderr,
/// so the target's stdout stays the target's) and returns the analysis. `recording_path` is shown.
/// Under GitHub Actions (GITHUB_ACTIONS=true) it also prints the annotations to stdout and appends the
/// Markdown report to $GITHUB_STEP_SUMMARY.
analysis::Analysis analyze_and_report(const Recording& recording, const ReportOptions& options,
                                      const std::string& recording_path);

/// With --baseline: prints this run against the baseline (to stderr) and returns 101 when its steady
/// rate is significantly worse; nullopt otherwise. Throws CliError (exit 2) when they cannot be compared.
std::optional<int> baseline_exit_code(const std::optional<compare::BaselineRate>& baseline,
                                      const analysis::Analysis& analysis);

}  // namespace leakscope::cli
