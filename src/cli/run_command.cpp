// `leakscope run [options] -- CMD [ARGS...]`: start CMD, watch its process tree until it ends, then
// diagnose and report. Exits with CMD's own exit code, or 0 when --duration had leakscope end it (or the
// verdict's, see verdict_gate.hpp, or 101 with --baseline and a significantly worse rate).
#include <memory>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/report_options.hpp"
#include "cli/verdict_gate.hpp"
#include "cli/watch_options_cli.hpp"
#include "launch/target_process.hpp"
#include "session/watch_session.hpp"

namespace leakscope::cli {
namespace {

struct RunArguments {
    WatchOptionsText watch;
    ReportOptions reports;
    VerdictGate gate;
};

int run(const CLI::App& app, const RunArguments& args) {
    const std::vector<std::string> command = target_command(app, "leakscope run [options] -- CMD [ARGS...]");
    auto options = parse_watch_options(args.watch, args.reports.limit_text);
    args.reports.analysis_options();  // reject a bad --limit before the target starts
    const auto baseline = args.reports.baseline();
    options.debug_dirs = args.reports.debug_dirs;

    session::WatchResult result;
    try {
        result = session::run_and_watch(command, options);
    } catch (const launch::LaunchError& e) {
        throw CliError(e.what(), e.exit_code());
    }
    for (const auto& note : result.notes) std::fprintf(stderr, "leakscope: %s\n", note.c_str());
    const auto analysis = analyze_and_report(result.recording, args.reports, result.recording_path);
    // The default name carries a pid nobody knows: say where it is even when the summary is off.
    if (args.reports.quiet && args.watch.output.empty())
        std::fprintf(stderr, "leakscope: recording written to %s\n", result.recording_path.c_str());

    const auto worse = baseline_exit_code(baseline, analysis);  // prints the comparison either way
    if (const auto code = verdict_exit_code(args.gate, analysis)) return *code;
    if (worse) return *worse;
    // --duration ends the target on purpose: its SIGTERM is not a failure of the run (CI steps rely on it).
    if (result.recording.end && result.recording.end->reason == "duration") return 0;
    return result.exit ? result.exit->shell_code() : kExitFailure;
}

}  // namespace

Command add_run_command(CLI::App& parent) {
    auto args = std::make_shared<RunArguments>();
    auto* app = parent.add_subcommand("run", "Run a command and watch its memory until it ends");
    app->footer(
        "Everything after the first non-option argument (or after --) is the command.\n"
        "The target's stdin, stdout and stderr pass through untouched; leakscope's summary goes to stderr.\n"
        "The whole process tree counts, and processes orphaned inside it (a daemon's double fork) stay in it:\n"
        "leakscope is their subreaper. The run ends when the command itself exits.\n"
        "Exit code: the command's own (128+N if signal N killed it), or 0 when leakscope ended it at --duration;\n"
        "with --fail-on-leak, 100 when the verdict is a leak; with --baseline, 101 when the steady rate is\n"
        "significantly worse than the baseline's; with --fail-on-undecided, 102 when the run could not decide\n"
        "yet; 2 bad options; 125 leakscope failed; 126 not executable; 127 command not found.\n"
        "\n"
        "Examples:\n"
        "  leakscope run -- ./my-service --port 8080\n"
        "  leakscope run --duration 1h --events-regex 'request done' --json report.json -- ./server\n"
        "  leakscope run --fail-on-leak --no-track -- python3 soak_test.py");
    add_watch_options(*app, args->watch, /*with_tracking=*/true);
    add_report_options(*app, args->reports);
    add_verdict_gate(*app, args->gate);
    app->prefix_command();
    return {app, [app, args] { return run(*app, *args); }};
}

}  // namespace leakscope::cli
