// `leakscope watch`: watch processes forever (by pid, name or cgroup), serve Prometheus metrics, log
// and hook the transitions. The loop lives in src/watch/; this file only reads the options.
#include <memory>
#include <stdexcept>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/units_parsing.hpp"
#include "watch/state_dir.hpp"
#include "watch/watch_loop.hpp"

namespace leakscope::cli {
namespace {

struct WatchArguments {
    std::vector<std::string> pids;
    std::vector<std::string> names;
    std::vector<std::string> cgroups;
    std::string every = "1m";
    std::string metrics = "127.0.0.1:9464";
    bool no_metrics = false;
    std::string on_leak;
    std::string state_dir;
    std::string limit;
    std::string near_limit = "24h";
    std::string duration;
    std::size_t keep_gone = 16;
    bool track = false;
};

/// `minimum_text` says the minimum as the user would write it ("100ms").
double duration_option(const std::string& name, const std::string& text, double minimum, const char* minimum_text) {
    const auto seconds = parse_duration_s(text);
    if (!seconds || *seconds < minimum)
        throw CliError(name + ": '" + text + "' is not a duration of at least " + minimum_text + " (examples: 30s, 1m, 2h)",
                       kExitUsage);
    return *seconds;
}

watch::WatchConfig parse(const WatchArguments& args) {
    watch::WatchConfig config;
    if (args.pids.empty() && args.names.empty() && args.cgroups.empty())
        throw CliError("watch: say what to watch with --pid, --name or --cgroup", kExitUsage);
    for (const auto& text : args.pids) {
        char* end = nullptr;
        const long pid = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || pid <= 0 || pid > 0x3fffffff)
            throw CliError("--pid: '" + text + "' is not a process id", kExitUsage);
        config.selection.pids.push_back(static_cast<int>(pid));
    }
    config.selection.name_patterns = args.names;
    config.selection.cgroups = args.cgroups;
    config.every_s = duration_option("--every", args.every, 0.1, "100ms");
    config.near_limit_s = duration_option("--near-limit", args.near_limit, 0, "0s");
    if (!args.duration.empty()) config.duration_s = duration_option("--duration", args.duration, 0, "0s");
    if (!args.limit.empty()) {
        const auto bytes = parse_bytes(args.limit);
        if (!bytes || *bytes == 0) throw CliError("--limit: '" + args.limit + "' is not a size (examples: 512M, 8G)", kExitUsage);
        config.limit_bytes = static_cast<double>(*bytes);
    }
    try {
        if (!args.no_metrics) config.metrics = watch::parse_listen_address(args.metrics);
        watch::ProcessSelection check(config.selection);  // a bad --name regex fails here, before anything starts
    } catch (const std::invalid_argument& e) {
        throw CliError(e.what(), kExitUsage);
    }
    config.on_leak = args.on_leak;
    config.state_dir = args.state_dir.empty() ? watch::default_state_dir() : std::filesystem::path(args.state_dir);
    config.keep_gone = args.keep_gone;
    config.track = args.track;
    return config;
}

}  // namespace

Command add_watch_command(CLI::App& parent) {
    auto args = std::make_shared<WatchArguments>();
    auto* app = parent.add_subcommand("watch", "Watch processes forever: Prometheus metrics, alerts on leaks");
    app->footer(
        "Every --every, samples each selected process (and its children) from /proc, keeps a bounded\n"
        "history of it in --state-dir (a recording per process; a restarted watch resumes it), diagnoses\n"
        "it, and serves the verdicts on --metrics in the Prometheus text format (loopback by default).\n"
        "A process that becomes a leak, recovers, or nears its limit gets one log line and runs --on-leak\n"
        "with the facts in LEAKSCOPE_* environment variables. Stops on SIGINT/SIGTERM, after --duration,\n"
        "or when every --pid is gone (with only --pid given).\n"
        "With --track, processes started with the tracker pointed at watch's socket (the variables are\n"
        "logged at start; only processes started while watch runs connect) also get their live heap,\n"
        "leakscope_live_heap_bytes, and the verdict rests on it.\n"
        "Exit code: 0; 2 bad options; 125 failure (state dir not writable, address in use).\n"
        "\n"
        "Examples:\n"
        "  leakscope watch --name '^cache-svc$' --every 30s --on-leak '/usr/local/bin/page-oncall'\n"
        "  leakscope watch --cgroup system.slice/detector.service --limit 8G --metrics 127.0.0.1:9464\n"
        "  leakscope watch --pid 4242 --state-dir /var/lib/leakscope --metrics 0.0.0.0:9464");
    app->add_option("--pid", args->pids, "Watch this process (repeatable)")->option_text("PID")->group("What to watch");
    app->add_option("--name", args->names, "Watch every process whose name (comm) matches REGEX; new ones are picked up (repeatable)")
        ->option_text("REGEX")->group("What to watch");
    app->add_option("--cgroup", args->cgroups, "Watch the processes of this cgroup and of its child cgroups, e.g. system.slice/my.service (repeatable)")
        ->option_text("PATH")->group("What to watch");
    app->add_flag("--track", args->track,
                  "Track the live heap of processes started with the tracker: watch logs the LD_PRELOAD and "
                  "LEAKSCOPE_TRACKER_SOCKET (<state-dir>/tracker.sock) to start them with")
        ->group("What to watch");
    app->add_option("--every", args->every, "Sample and re-diagnose every D (default 1m)")->option_text("D");
    app->add_option("--metrics", args->metrics, "Serve /metrics on [HOST:]PORT (default 127.0.0.1:9464; port 0 picks one)")
        ->option_text("ADDR");
    app->add_flag("--no-metrics", args->no_metrics, "Serve no metrics (log and hooks only)");
    app->add_option("--on-leak", args->on_leak, "Run CMD (sh -c) on each transition, facts in LEAKSCOPE_* variables")
        ->option_text("CMD");
    app->add_option("--state-dir", args->state_dir,
                    "Keep the histories here (default $STATE_DIRECTORY, /var/lib/leakscope as root, else ~/.local/state/leakscope)")
        ->option_text("DIR");
    app->add_option("--limit", args->limit, "Memory limit for the projection (default: each process's cgroup limit, else MemTotal)")
        ->option_text("SIZE");
    app->add_option("--near-limit", args->near_limit, "A time to limit below D is logged as approaching the limit (default 24h)")
        ->option_text("D");
    app->add_option("--duration", args->duration, "Stop after D (default: run until stopped)")->option_text("D");
    app->add_option("--keep-gone", args->keep_gone, "Histories of exited processes kept in --state-dir (default 16)")
        ->option_text("N");
    return {app, [args] {
                watch::run_watch(parse(*args));
                return 0;
            }};
}

}  // namespace leakscope::cli
