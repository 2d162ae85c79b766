// `leakscope watch`: the forever loop. Every --every it refreshes the selection, samples each watched
// process from /proc, appends to its bounded history in --state-dir, re-diagnoses it with the same
// engine as run/attach, logs and hooks the transitions, and publishes the /metrics page.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "watch/metrics_server.hpp"
#include "watch/process_selection.hpp"

namespace leakscope::watch {

struct WatchConfig {
    SelectionCriteria selection;
    double every_s = 60;
    std::optional<ListenAddress> metrics;  ///< nullopt: no HTTP server
    std::string on_leak;                   ///< shell command run on every transition ("" = none)
    std::filesystem::path state_dir;
    std::optional<double> limit_bytes;     ///< --limit; else each process's cgroup limit, else MemTotal
    double near_limit_s = 24 * 3600;       ///< "approaching its limit" below this time to limit
    std::optional<double> duration_s;      ///< stop after this long (tests, trials); none = forever
    std::size_t keep_gone = 16;            ///< histories of exited processes kept in --state-dir
    bool track = false;                    ///< --track: be the collector of processes started with the tracker (tracked_heaps.hpp)
};

/// Runs until SIGINT/SIGTERM/SIGHUP, --duration, or (when only --pid was given) every process is gone.
/// Throws std::runtime_error with one line when it cannot start (state dir, metrics address).
void run_watch(const WatchConfig& config);

}  // namespace leakscope::watch
