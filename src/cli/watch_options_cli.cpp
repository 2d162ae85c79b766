#include "cli/watch_options_cli.hpp"

#include <unistd.h>


#include "cli/cli_error.hpp"
#include "cli/units_parsing.hpp"
#include "launch/output_relay.hpp"

namespace leakscope::cli {

void add_watch_options(CLI::App& command, WatchOptionsText& text, bool with_tracking) {
    command.add_option("-o,--output", text.output, "Recording file (default: leakscope.<program>.<pid>.lks here)")
        ->option_text("FILE");
    command.add_option("-i,--interval", text.interval, "Sampling interval, e.g. 100ms, 1s (default 100ms)")
        ->option_text("DURATION");
    command.add_option("-d,--duration", text.duration,
                       with_tracking ? "Stop the target after this long (SIGTERM, then SIGKILL 5 s later), e.g. 30s, 2h"
                                     : "Stop watching after this long, e.g. 30s, 2h (the process keeps running)")
        ->option_text("DURATION");
    command.add_option("--events-regex", text.events_regex,
                       "Count the target's output lines matching this regex (RE2 syntax) as work units (requests, cycles), "
                       "to give rates per event; the output still passes through unchanged")
        ->option_text("REGEX");
    if (with_tracking) {
        command.add_flag("--no-track", text.no_track, "Sample /proc only; do not track allocations");
        command.add_option("--sample-bytes", text.sample_bytes,
                           "Track a Poisson sample of allocations, one per SIZE bytes on average (e.g. 512K), "
                           "for low overhead in production; default: every allocation")
            ->option_text("SIZE");
        command.add_flag("--no-gc-trace", text.no_gc_trace,
                         "A Go program: do not set GODEBUG=gctrace=1. By default leakscope asks the Go runtime to report "
                         "each collection, reads what it found live from the program's stderr (which then passes through "
                         "leakscope, those lines taken out: were leakscope killed, its next write there would fail as "
                         "into any closed pipe) and judges the heap by it; without it, RSS alone");
        command.add_flag("--gc-trace", text.gc_trace,
                         "Ask for those reports whatever the command is, for a Go service started by a wrapper script: "
                         "GODEBUG=gctrace=1 for the whole tree, its stderr through leakscope (the reports taken out)");
    }
    command.add_flag("--no-status", text.no_status, "No live status line on the terminal while the target runs");
}

session::WatchOptions parse_watch_options(const WatchOptionsText& text, const std::string& limit_text) {
    session::WatchOptions options;
    const auto interval = parse_duration_s(text.interval);
    if (!interval || *interval < 0.001 || *interval > 3600)
        throw CliError("--interval: '" + text.interval + "' is not a duration between 1ms and 1h (examples: 100ms, 1s)",
                       kExitUsage);
    options.interval_s = *interval;
    if (!text.duration.empty()) {
        const auto duration = parse_duration_s(text.duration);
        if (!duration || *duration <= 0)
            throw CliError("--duration: '" + text.duration + "' is not a positive duration (examples: 30s, 5m, 2h)",
                           kExitUsage);
        options.duration_s = *duration;
    }
    if (!text.events_regex.empty()) {
        if (const auto error = launch::events_regex_error(text.events_regex))
            throw CliError("--events-regex: '" + text.events_regex + "' is not a valid regular expression (" + *error + ")",
                           kExitUsage);
        options.events_regex = text.events_regex;
    }
    options.track = !text.no_track;
    if (text.gc_trace && text.no_gc_trace) throw CliError("--gc-trace and --no-gc-trace: choose one", kExitUsage);
    options.go_gc_trace = !text.no_gc_trace;
    options.force_go_gc_trace = text.gc_trace;
    if (!text.sample_bytes.empty()) {
        const auto bytes = parse_bytes(text.sample_bytes);
        if (!bytes || *bytes == 0)
            throw CliError("--sample-bytes: '" + text.sample_bytes + "' is not a positive size (example: 512K)", kExitUsage);
        options.sample_bytes = *bytes;
    }
    if (!limit_text.empty()) {
        const auto limit = parse_bytes(limit_text);
        if (!limit || *limit == 0)
            throw CliError("--limit: '" + limit_text + "' is not a size (examples: 512M, 8G, 2GiB)", kExitUsage);
        options.limit_bytes = *limit;
    }
    options.recording_path = text.output;
    options.status_line = !text.no_status && ::isatty(STDERR_FILENO);
    return options;
}

}  // namespace leakscope::cli
