#include "cli/report_options.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <sstream>

#include "cli/cli_error.hpp"
#include "cli/units_parsing.hpp"
#include "report/github_annotations.hpp"
#include "report/json_report.hpp"
#include "report/junit_report.hpp"
#include "report/pprof_report.hpp"
#include "report/report_facts.hpp"
#include "report/sarif_report.hpp"
#include "report/csv_series.hpp"
#include "report/folded_stacks.hpp"
#include "report/html_report.hpp"
#include "report/markdown_report.hpp"
#include "report/terminal_summary.hpp"
#include "util/output_file.hpp"

namespace leakscope::cli {
namespace {

/// Writes one report file (util/output_file.hpp: no symlinks followed, replaced whole, mode 0600); a
/// path that cannot be written is a clear error, not a silent loss.
void write_file(const std::string& path, const char* what, const std::function<void(std::ostream&)>& write) {
    if (path.empty()) return;
    if (path == "-") {
        write(std::cout);
        std::cout.flush();
        return;
    }
    std::ostringstream text;
    write(text);
    try {
        util::write_output_file(path, text.str());
    } catch (const util::OutputError& e) {
        throw CliError(std::string("cannot write the ") + what + " to " + e.path() + ": " + e.reason());
    }
}

/// Under GitHub Actions: annotations on stdout (the runner reads workflow commands there), and the
/// Markdown report appended to the step summary, as GitHub documents both.
void report_to_github(const Recording& recording, const analysis::Analysis& analysis) {
    if (!report::in_github_actions()) return;
    report::write_github_annotations(std::cout, recording, analysis, report::source_root());
    std::cout.flush();
    const char* summary = std::getenv("GITHUB_STEP_SUMMARY");
    if (!summary || !*summary) return;
    std::ofstream out(summary, std::ios::binary | std::ios::app);
    if (out) report::write_markdown(out, recording, analysis);
    out.flush();
    if (!out) throw CliError(std::string("cannot append the Markdown report to $GITHUB_STEP_SUMMARY (") + summary +
                             "): " + std::strerror(errno));
}

}  // namespace

std::optional<compare::BaselineRate> ReportOptions::baseline() const {
    if (baseline_path.empty()) return std::nullopt;
    try {
        return compare::read_baseline(baseline_path);
    } catch (const compare::BaselineError& e) {
        throw CliError(e.what(), kExitUsage);
    }
}

analysis::Options ReportOptions::analysis_options() const {
    analysis::Options options;
    options.debug_dirs = debug_dirs;
    if (!limit_text.empty()) {
        const auto bytes = parse_bytes(limit_text);
        if (!bytes || *bytes == 0)
            throw CliError("--limit: '" + limit_text + "' is not a size (examples: 512M, 8G, 2GiB)", kExitUsage);
        options.limit_bytes = static_cast<double>(*bytes);
    }
    return options;
}

void add_report_options(CLI::App& command, ReportOptions& options) {
    command.add_option("--json", options.json_path, "Write the JSON report (report-schema.json) to FILE ('-' = stdout)")
        ->option_text("FILE")->group("Reports");
    command.add_option("--html", options.html_path, "Write the self-contained HTML report with charts to FILE")
        ->option_text("FILE")->group("Reports");
    command.add_option("--markdown", options.markdown_path, "Write the report as Markdown tables (for issues and PRs)")
        ->option_text("FILE")->group("Reports");
    command.add_option("--folded", options.folded_path, "Write folded stacks of live bytes (for flame-graph tools)")
        ->option_text("FILE")->group("Reports");
    command.add_option("--csv", options.csv_path, "Write the memory series as CSV")->option_text("FILE")->group("Reports");
    command.add_option("--junit", options.junit_path,
                       "Write JUnit XML for CI: one test case, failed when the verdict is a leak")
        ->option_text("FILE")->group("Reports");
    command.add_option("--sarif", options.sarif_path,
                       "Write SARIF 2.1.0 for code scanning: one result per leaking call site, with its stack")
        ->option_text("FILE")->group("Reports");
    command.add_option("--pprof", options.pprof_path,
                       "Write the live heap by stack (and its growth since steady state) as a gzipped pprof profile")
        ->option_text("FILE")->group("Reports");
    command.add_option("--baseline", options.baseline_path,
                       "A JSON report of an earlier run: exit 101 when this run's steady rate is significantly worse")
        ->option_text("REPORT.json")->group("Diagnosis");
    command.add_option("--limit", options.limit_text,
                       "Memory limit for the projection (default: the cgroup's limit, else the machine's memory), "
                       "e.g. 8G")
        ->option_text("SIZE")->group("Diagnosis");
    command.add_option("--debug-dir", options.debug_dirs,
                       "Where to look for separate debug files by build-id (repeatable; default /usr/lib/debug)")
        ->option_text("DIR")->group("Diagnosis");
    command.add_flag("-q,--quiet", options.quiet, "Print no summary at the end")->group("Reports");
}

analysis::Analysis analyze_and_report(const Recording& given, const ReportOptions& options,
                                      const std::string& recording_path) {
    // Every report (folded stacks and HTML read the recording's symbols too) sees the symbolized copy.
    const std::optional<Recording> symbolized = analysis::with_symbols_from_module_map(given, options.debug_dirs);
    const Recording& recording = symbolized ? *symbolized : given;
    const auto analysis = analysis::analyze(recording, options.analysis_options());
    write_file(options.json_path, "JSON report", [&](std::ostream& out) { report::write_json(out, recording, analysis); });
    write_file(options.html_path, "HTML report", [&](std::ostream& out) { report::write_html(out, recording, analysis); });
    write_file(options.markdown_path, "Markdown report",
               [&](std::ostream& out) { report::write_markdown(out, recording, analysis); });
    write_file(options.folded_path, "folded stacks", [&](std::ostream& out) { report::write_folded(out, recording, analysis); });
    write_file(options.csv_path, "CSV series", [&](std::ostream& out) { report::write_csv(out, recording, analysis); });
    write_file(options.junit_path, "JUnit report", [&](std::ostream& out) { report::write_junit(out, recording, analysis); });
    write_file(options.sarif_path, "SARIF report", [&](std::ostream& out) { report::write_sarif(out, recording, analysis); });
    write_file(options.pprof_path, "pprof profile", [&](std::ostream& out) { report::write_pprof(out, recording, analysis); });
    report_to_github(recording, analysis);
    if (!options.quiet) {
        report::print_terminal_summary(stderr, recording, analysis, report::use_color(STDERR_FILENO), recording_path);
    }
    return analysis;
}

std::optional<int> baseline_exit_code(const std::optional<compare::BaselineRate>& baseline,
                                      const analysis::Analysis& analysis) {
    if (!baseline) return std::nullopt;
    try {
        const auto check = compare::check_against_baseline(*baseline, analysis);
        std::fprintf(stderr, "leakscope: against the baseline %s: %s\n", baseline->run.recording_path.c_str(),
                     check.text.c_str());
        if (check.worse()) return kExitWorse;
        return std::nullopt;
    } catch (const compare::BaselineError& e) {
        throw CliError(e.what(), kExitUsage);
    }
}

}  // namespace leakscope::cli
