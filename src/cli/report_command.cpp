// `leakscope report RECORDING -o report.html`: the HTML report of a recording (the other formats
// through --json/--markdown/... as on analyze).
#include <memory>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/load_recording.hpp"
#include "cli/report_options.hpp"

namespace leakscope::cli {
namespace {

struct ReportArguments {
    std::string recording_path;
    std::string html_path;
    ReportOptions reports;
};

int report(const ReportArguments& args) {
    ReportOptions reports = args.reports;
    // -o names the page; --html (shared with analyze) does too; neither: report.html here. Both would
    // silently drop one of them.
    if (!args.html_path.empty() && !reports.html_path.empty() && args.html_path != reports.html_path)
        throw CliError("-o " + args.html_path + " and --html " + reports.html_path +
                           " both name the HTML page; give one of them",
                       kExitUsage);
    if (!reports.baseline_path.empty())
        throw CliError("--baseline changes the exit code, which `report` does not use: use `leakscope analyze "
                       "RECORDING --baseline REPORT.json`",
                       kExitUsage);
    const Recording recording = load_recording(args.recording_path);
    if (!args.html_path.empty()) reports.html_path = args.html_path;
    if (reports.html_path.empty()) reports.html_path = "report.html";
    reports.quiet = true;
    analyze_and_report(recording, reports, args.recording_path);
    std::fprintf(stderr, "leakscope: wrote %s\n", reports.html_path.c_str());
    return 0;
}

}  // namespace

Command add_report_command(CLI::App& parent) {
    auto args = std::make_shared<ReportArguments>();
    auto* app = parent.add_subcommand("report", "Write the HTML report (charts, sites, flame graph) of a recording");
    app->footer("Example:\n  leakscope report leakscope.my-service.4242.lks -o report.html");
    app->add_option("recording", args->recording_path, "A recording written by run or attach")
        ->required()->option_text("RECORDING");
    app->add_option("-o,--output", args->html_path, "The HTML file to write (default report.html)")->option_text("FILE");
    add_report_options(*app, args->reports);
    return {app, [args] { return report(*args); }};
}

}  // namespace leakscope::cli
