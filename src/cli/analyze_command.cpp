// `leakscope analyze RECORDING`: diagnose a recording again (a finished run, or one still being
// written, or one whose leakscope was killed: it reads up to the last flush). With `--prometheus URL
// --query PROMQL` it diagnoses a fleet instead (cli/analyze_fleet.cpp, src/fleet/).
#include <memory>

#include "cli/analyze_fleet.hpp"
#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/load_recording.hpp"
#include "cli/report_options.hpp"
#include "cli/verdict_gate.hpp"

namespace leakscope::cli {
namespace {

struct AnalyzeArguments {
    std::string recording_path;
    ReportOptions reports;
    VerdictGate gate;
    FleetArguments fleet;
};

int analyze(const AnalyzeArguments& args) {
    if (fleet_requested(args.fleet)) {
        if (!args.recording_path.empty()) throw CliError("analyze: give a RECORDING or --prometheus, not both", kExitUsage);
        return analyze_fleet(args.fleet, args.reports, args.gate);
    }
    if (args.recording_path.empty()) throw CliError("analyze: a RECORDING is required (or --prometheus URL --query PROMQL)", kExitUsage);
    const auto baseline = args.reports.baseline();
    const Recording recording = load_recording(args.recording_path);
    const auto analysis = analyze_and_report(recording, args.reports, args.recording_path);
    const auto worse = baseline_exit_code(baseline, analysis);  // prints the comparison either way
    return verdict_exit_code(args.gate, analysis).value_or(worse.value_or(0));
}

}  // namespace

Command add_analyze_command(CLI::App& parent) {
    auto args = std::make_shared<AnalyzeArguments>();
    auto* app = parent.add_subcommand("analyze", "Diagnose a recording and write its reports");
    app->footer(
        "Exit code: 0; with --fail-on-leak, 100 when the verdict is a leak; with --baseline, 101 when the steady\n"
        "rate is significantly worse than the baseline's; with --fail-on-undecided, 102 when the run could not\n"
        "decide yet; 2 bad options; 125 not a recording or cannot write a report. With --prometheus: 100 / 102\n"
        "when any series leaks / is undecided; 125 Prometheus cannot be asked.\n"
        "\n"
        "Examples:\n"
        "  leakscope analyze leakscope.my-service.4242.lks --json report.json\n"
        "  leakscope analyze after.lks --baseline before.json --junit leak.xml --sarif leak.sarif\n"
        "  leakscope analyze run.lks --limit 8G --markdown leak.md\n"
        "  leakscope analyze --prometheus http://localhost:9090 --range 7d \\\n"
        "      --query 'container_memory_working_set_bytes{namespace=\"prod\",container!=\"\"}' \\\n"
        "      --limit-query container_spec_memory_limit_bytes --html fleet.html");
    app->add_option("recording", args->recording_path, "A recording written by run or attach")
        ->option_text("RECORDING");
    add_report_options(*app, args->reports);
    add_verdict_gate(*app, args->gate);
    add_fleet_options(*app, args->fleet);
    return {app, [args] { return analyze(*args); }};
}

}  // namespace leakscope::cli
