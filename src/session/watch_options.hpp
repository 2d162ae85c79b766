// What `run` and `attach` were asked to do: how often to sample, for how long, what to track.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakscope::session {

struct WatchOptions {
    double interval_s = 0.1;                 ///< --interval
    std::optional<double> duration_s;        ///< --duration: stop the target (run) or stop watching (attach)
    std::string events_regex;                ///< --events-regex
    std::filesystem::path recording_path;    ///< -o, or leakscope.<program>.<pid>.lks
    bool track = true;                       ///< --no-track turns the allocation tracker off
    std::uint64_t sample_bytes = 0;          ///< --sample-bytes: 0 = every allocation
    std::optional<std::uint64_t> limit_bytes;  ///< --limit
    bool status_line = false;                ///< the live one-line status on stderr
    double kill_grace_s = 5;                 ///< after --duration: SIGTERM, then SIGKILL this much later
    std::vector<std::string> debug_dirs;     ///< --debug-dir, for symbolizing at the end
    /// Variables added to the target's environment (compare's configurations); the tracker's own
    /// variables are added on top.
    std::map<std::string, std::string> extra_environment;
    /// run, a Go program: ask its runtime for a report of each collection (GODEBUG=gctrace=1), read it
    /// from its stderr and take it out of what is passed on. --no-gc-trace turns it off.
    bool go_gc_trace = true;
    /// --gc-trace: ask for the reports whatever the command is (a wrapper script that starts a Go service);
    /// the run is recorded as a Go program's once a report comes.
    bool force_go_gc_trace = false;
};

}  // namespace leakscope::session
