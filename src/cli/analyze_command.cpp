// `leakscope analyze RECORDING`: diagnose a recording again (a finished run, or one still being
// written, or one whose leakscope was killed: it reads up to the last flush).
#include <memory>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/load_recording.hpp"
#include "cli/report_options.hpp"

namespace leakscope::cli {
namespace {

struct AnalyzeArguments {
    std::string recording_path;
    ReportOptions reports;
    bool fail_on_leak = false;
};

int analyze(const AnalyzeArguments& args) {
    const Recording recording = load_recording(args.recording_path);
    const auto analysis = analyze_and_report(recording, args.reports, args.recording_path);
    return args.fail_on_leak && analysis.process.verdict.leak ? kExitLeakFound : 0;
}

}  // namespace

Command add_analyze_command(CLI::App& parent) {
    auto args = std::make_shared<AnalyzeArguments>();
    auto* app = parent.add_subcommand("analyze", "Diagnose a recording and write its reports");
    app->footer(
        "Examples:\n"
        "  leakscope analyze leakscope.my-service.4242.lks --json report.json\n"
        "  leakscope analyze run.lks --limit 8G --markdown leak.md");
    app->add_option("recording", args->recording_path, "A recording written by run or attach")
        ->required()->option_text("RECORDING");
    add_report_options(*app, args->reports);
    app->add_flag("--fail-on-leak", args->fail_on_leak, "Exit with code 100 when the verdict is a leak (for CI)");
    return {app, [args] { return analyze(*args); }};
}

}  // namespace leakscope::cli
