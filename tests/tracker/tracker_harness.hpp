// Test harness: runs a program under the preloaded tracker with a collector in the test process, keeps
// the latest state of every stream, and finds allocation sites by the function they were made in.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/tracker_collector.hpp"

namespace leakscope::tracker_test {

struct ProcessState {
    collector::TrackedProcess info;
    bool ended = false;
    bool clean = false;
    std::vector<Module> modules;
    std::map<std::uint32_t, collector::SiteUpdate> sites;  ///< latest per global stack id
    std::optional<collector::TrackerTotals> totals;
    std::vector<collector::AllocatorStats> allocator_stats;  ///< every reading, in order
    std::vector<collector::TrackerTotals> totals_at_allocator_stats;  ///< the totals when each reading arrived
    std::size_t site_updates = 0;
};

class RecordingSink : public collector::TrackerSink {
public:
    void on_process(const collector::TrackedProcess& p) override;
    void on_module(const Module& m) override;
    void on_module_unloaded(const Module& m) override;
    void on_stack(const Stack& s) override;
    void on_site_update(const collector::SiteUpdate& u) override;
    void on_totals(std::uint32_t process, const collector::TrackerTotals& t) override;
    void on_allocator_stats(std::uint32_t process, const collector::AllocatorStats& s) override;
    void on_process_end(std::uint32_t process, bool clean) override;

    std::vector<ProcessState> processes;  ///< by process index
    std::map<std::uint32_t, Stack> stacks;
    std::vector<std::string> errors;      ///< protocol invariants the sink saw broken
};

struct RunOptions {
    std::uint32_t interval_ms = 20;
    std::uint64_t sample_bytes = 0;
    bool track = true;                 ///< false: run the program plainly (for output comparisons)
    std::string stdin_path;            ///< empty: /dev/null
    std::string working_directory;
    std::vector<std::pair<std::string, std::string>> extra_environment;
    double timeout_s = 30;
    /// Signals for the program, sent in order while it runs, each once its condition holds (checked every
    /// poll with what was received and the program's standard output so far): a test waits for what it
    /// needs to have seen instead of guessing how long that takes on a loaded machine.
    struct Signal {
        std::function<bool(const RecordingSink&, const std::string& out)> when;
        int number = 9;  // SIGKILL
    };
    std::vector<Signal> signals;
    /// A leakscope that misbehaves: never reads its socket, or goes away (closes everything) this long
    /// after the first process connected.
    bool collector_never_reads = false;
    double collector_dies_after_s = 0;
    /// leakscope comes back this long after it went away, at the same address: the program was given a
    /// symbolic link to the socket (as `watch` gives services), re-pointed at the new one. What the new
    /// leakscope receives is in RunResult::returned_sink.
    double collector_returns_after_s = 0;
    /// The program starts before leakscope (a service started before `watch`): leakscope comes only
    /// after collector_returns_after_s.
    bool collector_absent_at_start = false;
};

struct RunResult {
    int exit_code = -1;   ///< -1 when killed by a signal
    int term_signal = 0;
    bool timed_out = false;
    std::string out;
    std::string err;
    RecordingSink sink;
    std::vector<std::string> warnings;
    bool ever_connected = false;
    std::uint64_t stream_bytes = 0;
    double duration_s = 0;  ///< from start to the program's exit
    bool collector_died_while_running = false;
    RecordingSink returned_sink;  ///< what the leakscope that came back received
};

std::string tracker_library_path();
std::string target_path(const std::string& name);  ///< a test target next to the test binary
RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

/// Aggregates of the sites whose innermost frame inside `module_path` lies in function `function`.
struct SiteTotals {
    std::size_t stacks = 0;
    std::int64_t live_bytes = 0;
    std::int64_t live_count = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
};
SiteTotals sites_in_function(const RecordingSink& sink, std::uint32_t process, const std::string& module_path,
                             const std::string& function);
/// Same, but a site counts when any of its frames inside `module_path` lies in `function` (for
/// allocations that pass through the program's own wrappers, e.g. a replaced operator new).
SiteTotals sites_through_function(const RecordingSink& sink, std::uint32_t process, const std::string& module_path,
                                  const std::string& function);

/// Index of the process whose exe ends with `exe_suffix` and whose hello came n-th among those.
std::optional<std::uint32_t> find_process(const RecordingSink& sink, const std::string& exe_suffix, std::size_t nth = 0);

}  // namespace leakscope::tracker_test
