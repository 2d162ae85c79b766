// `leakscope attach PID [--track]`: watch a running process and its children until it exits, Ctrl-C, or
// --duration. Without --track the process is never stopped or changed (/proc only); with it the tracker
// is injected (src/attach/) and removes its hooks again when the watch ends.
#include <memory>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/report_options.hpp"
#include "cli/verdict_gate.hpp"
#include "cli/watch_options_cli.hpp"
#include "session/watch_session.hpp"

namespace leakscope::cli {
namespace {

struct AttachArguments {
    std::string pid_text;
    WatchOptionsText watch;
    ReportOptions reports;
    VerdictGate gate;
    bool track = false;
};

int attach(const AttachArguments& args) {
    char* end = nullptr;
    const long pid = std::strtol(args.pid_text.c_str(), &end, 10);
    if (args.pid_text.empty() || *end != '\0' || pid <= 0 || pid > 0x3fffffff)
        throw CliError("'" + args.pid_text + "' is not a process id", kExitUsage);
    if (!args.watch.events_regex.empty())
        throw CliError("--events-regex: attach cannot read a running process's output (only `leakscope run` relays "
                       "it); count work units with leakscope_event() in the program, or start it under run",
                       kExitUsage);
    auto options = parse_watch_options(args.watch, args.reports.limit_text);
    args.reports.analysis_options();
    const auto baseline = args.reports.baseline();
    options.track = args.track;
    if (!args.watch.sample_bytes.empty() && !args.track) throw CliError("--sample-bytes needs --track", kExitUsage);

    auto result = session::attach_and_watch(static_cast<pid_t>(pid), options);
    for (const auto& note : result.notes) std::fprintf(stderr, "leakscope: %s\n", note.c_str());
    const auto analysis = analyze_and_report(result.recording, args.reports, result.recording_path);
    // The default name carries a pid nobody knows: say where it is even when the summary is off.
    if (args.reports.quiet && args.watch.output.empty())
        std::fprintf(stderr, "leakscope: recording written to %s\n", result.recording_path.c_str());
    const auto worse = baseline_exit_code(baseline, analysis);  // prints the comparison either way
    return verdict_exit_code(args.gate, analysis).value_or(worse.value_or(0));
}

}  // namespace

Command add_attach_command(CLI::App& parent) {
    auto args = std::make_shared<AttachArguments>();
    auto* app = parent.add_subcommand("attach", "Watch the memory of a running process (and its children)");
    app->footer(
        "Samples /proc until the process exits, Ctrl-C, or --duration; then diagnoses and reports.\n"
        "With --track, allocation call sites are tracked from the moment of attaching (earlier blocks are the\n"
        "baseline); the process is stopped only for the injection (a few ms, reported), and runs on unchanged after.\n"
        "Exit code: 0; with --fail-on-leak, 100 when the verdict is a leak; with --baseline, 101 when the steady\n"
        "rate is significantly worse than the baseline's; with --fail-on-undecided, 102 when the run could not\n"
        "decide yet; 2 bad options; 125 failure (no such process, /proc not readable).\n"
        "\n"
        "Examples:\n"
        "  leakscope attach 4242 --duration 30m --json report.json\n"
        "  leakscope attach $(pidof my-service) --interval 1s --limit 8G\n"
        "  leakscope attach 4242 --track --duration 10m");
    app->add_option("pid", args->pid_text, "Process id to watch")->required()->option_text("PID");
    add_watch_options(*app, args->watch, /*with_tracking=*/false);
    app->get_option("--events-regex")->group("");  // kept only to say why it cannot work here
    app->add_flag("--track", args->track,
                  "Also track allocation call sites: inject the tracker (ptrace; x86-64, dynamically linked "
                  "processes); it unhooks itself when leakscope stops watching");
    app->add_option("--sample-bytes", args->watch.sample_bytes,
                    "With --track: a Poisson sample of allocations, one per SIZE bytes on average (e.g. 512K)")
        ->option_text("SIZE");
    add_report_options(*app, args->reports);
    add_verdict_gate(*app, args->gate);
    return {app, [args] { return attach(*args); }};
}

}  // namespace leakscope::cli
