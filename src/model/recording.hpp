// The in-memory model of one recording: what `run`/`attach` collect and what `analyze` reads back.
// Every front end (the CLI, the reports, compare/diff) works on this model; the binary format in
// src/recording/ is its serialization.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/ids.hpp"
#include "model/sample_point.hpp"

namespace leakscope {

/// Facts about the run, written once at the start (and updated at the end).
struct RunInfo {
    std::vector<std::string> command;     ///< argv of the target (or of the attached process)
    std::optional<std::int64_t> pid;      ///< pid of the target's first process
    bool attached = false;                ///< `attach` rather than `run`
    double start_unix_s = 0;              ///< wall clock at the first sample
    double interval_s = 0.1;              ///< requested sampling interval
    std::string tracker_mode = "off";     ///< "off", "full", or "sampled"
    std::uint64_t sample_bytes = 0;       ///< mean sampling gap in bytes when tracker_mode == "sampled"
    std::optional<std::uint64_t> cgroup_limit_bytes;  ///< memory.max / memory.limit_in_bytes
    std::optional<std::uint64_t> machine_memory_bytes;  ///< MemTotal
    std::optional<std::uint64_t> user_limit_bytes;    ///< --limit
    std::string events_regex;             ///< --events-regex, empty when none
    std::string hostname;
    std::string leakscope_version;
    /// The allocator(s) the tracked processes' malloc belongs to, as the tracker found them: "glibc",
    /// "jemalloc", "glibc+jemalloc" when processes differ; empty when no tracker reported one.
    std::string allocator;
    /// A garbage-collected runtime the target's own program is built on, found in its ELF file when the
    /// run started: "go" (its build-id note); empty when none was found (the JVM and node are recognized
    /// from their counters and their module names instead).
    std::string runtime;
};

/// RunInfo::runtime of a Go program.
inline constexpr std::string_view kGoRuntime = "go";

/// How the run ended, written at the end. Missing when leakscope itself was killed.
struct RunEnd {
    std::optional<int> exit_code;    ///< target's exit status; null when attached or killed by a signal
    std::optional<int> term_signal;  ///< signal that ended the target, if any
    double duration_s = 0;
    std::string reason;              ///< "exited", "duration", "interrupted", "target-gone"
    std::uint64_t events = 0;        ///< work units counted over the whole run (output read after the last sample too)
};

/// A loaded ELF object in a tracked process (from dl_iterate_phdr).
struct Module {
    std::uint64_t start = 0;      ///< lowest mapped address of the object
    std::uint64_t end = 0;        ///< one past the highest
    std::uint64_t load_bias = 0;  ///< dlpi_addr: address = load_bias + ELF virtual address
    std::string path;
    std::string build_id;         ///< hex, empty when the object has none
    double loaded_t_s = 0;
    std::optional<double> unloaded_t_s;  ///< set when dlclose removed it
    std::uint32_t process = 0;    ///< which tracked process (index into Recording::processes)
};

/// A symbolized frame. Produced in leakscope's own process (src/symbols/), never in the target.
struct ResolvedFrame {
    std::string function;       ///< demangled; "??" when unknown
    std::string file;           ///< empty when unknown
    int line = 0;               ///< 0 when unknown
    std::string module;         ///< path of the ELF object
    std::uint64_t module_offset = 0;  ///< address relative to the module's load bias
    bool inlined = false;       ///< an inlined frame expanded from the same address
};

/// One deduplicated call stack of allocations: raw return addresses, innermost first.
struct Stack {
    StackId id;
    std::uint32_t process = 0;
    std::vector<std::uint64_t> frames;
};

/// Live bytes of every call-site stack on one shared time grid. The grid is bounded: when it is full,
/// neighbouring columns merge (every site alike), so memory stays proportional to the number of sites.
struct SiteSeries {
    std::vector<double> t_s;  ///< grid times, shared by all sites
    struct Site {
        StackId stack;
        std::vector<std::int64_t> live_bytes;   ///< one value per grid time (0 before the first allocation)
        std::vector<std::int64_t> live_count;   ///< live allocations per grid time
        std::uint64_t total_allocations = 0;    ///< allocations ever made from this stack
        std::uint64_t total_bytes = 0;          ///< bytes ever allocated from this stack
    };
    std::vector<Site> sites;
};

/// One call site's state when its process ended: what was still allocated (the LeakSanitizer view,
/// reachable or not). In sampling mode the values are the sampler's unbiased estimates.
struct ExitSite {
    StackId stack;
    std::uint32_t process = 0;
    std::int64_t live_bytes = 0;
    std::int64_t live_count = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
};

/// How a tracked process ended and the tracker's last totals for it.
struct ProcessExit {
    std::uint32_t process = 0;
    double t_s = 0;
    /// The tracker said goodbye at exit (exit, return from main, _exit): the state is final. False when
    /// the process died without one (a fatal signal, SIGKILL): the state is the last one received.
    bool clean = true;
    std::int64_t live_heap_bytes = 0;
    std::int64_t live_allocations = 0;
    std::int64_t mapped_bytes = 0;
    std::uint64_t allocations = 0;
    std::uint64_t frees = 0;
};

/// A tracked process's stream ended while the process ran on (it closed or corrupted the tracker's
/// socket, or exec'd a program that never reported), or stayed open but fell silent: its heap is
/// unknown from `t_s`, so the recording's heap totals are unknown too while it lives. Not an exit: its
/// memory was not freed.
struct TrackingLoss {
    std::uint32_t process = 0;  ///< index into Recording::processes
    double t_s = 0;             ///< the first sample whose heap is unknown because of it (silent: its last report)
    std::string reason;         ///< one line, e.g. "its stream ended while it still ran"
};

struct Recording {
    RunInfo info;
    std::vector<SamplePoint> samples;  ///< oldest first; older points may be merged buckets
    std::vector<std::string> processes;  ///< tracked processes: "pid:comm" per index
    std::vector<Module> modules;
    std::map<StackId, Stack> stacks;
    SiteSeries sites;
    /// Symbols resolved at the end of the run, by (process, address); empty when leakscope was killed
    /// before it could symbolize (then `analyze` symbolizes from the module map if the files exist).
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<ResolvedFrame>> symbols;
    std::optional<RunEnd> end;
    /// Tracked processes that ended during the run (not those that exec'd another program), with the
    /// sites that still held memory then; sites of every process in one list (stack ids are unique).
    std::vector<ProcessExit> exits;
    std::vector<ExitSite> exit_sites;
    /// Streams lost while their process ran, oldest first: the heap is not known past the first.
    std::vector<TrackingLoss> tracking_lost;
    std::vector<std::string> warnings;  ///< e.g. "recording truncated at byte 12345"
};

}  // namespace leakscope
