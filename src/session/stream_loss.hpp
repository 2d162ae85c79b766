// Tells a tracker stream that ended because its process ended from one that was lost while the
// process ran on: the program closed every descriptor (the tracker's socket with them), wrote into it,
// or exec'd a program the tracker is not in (a static binary); or the stream stayed open but went
// silent (SilentStreams). An exit frees the process's memory; a
// lost stream frees nothing, so the heap totals are unknown while that process lives, never 0.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakscope::session {

class StreamLosses {
public:
    /// The start time (/proc/PID/stat field 22) of `pid` while it runs; nullopt once it is gone or a
    /// zombie. With the pid, the start time names one process for good (pids are reused).
    using Probe = std::function<std::optional<std::uint64_t>(std::int64_t pid)>;
    static std::optional<std::uint64_t> running_since(std::int64_t pid);
    /// The LD_PRELOAD of `pid`'s program as it was exec'd ("" when it has none), from /proc/PID/environ;
    /// nullopt when that cannot be read.
    using PreloadProbe = std::function<std::optional<std::string>(std::int64_t pid)>;
    static std::optional<std::string> preload_of(std::int64_t pid);
    /// Whether leakscope's tracker is loaded in `pid`'s program (its library in /proc/PID/maps);
    /// nullopt when that cannot be read.
    using TrackerProbe = std::function<std::optional<bool>(std::int64_t pid)>;
    static std::optional<bool> tracker_loaded_in(std::int64_t pid);

    struct Settings {
        /// A process whose stream just closed may still be on its way out (the kernel closes its
        /// descriptors before it becomes a zombie): how long it gets to finish dying.
        int dying_wait_ms = 100;
        /// An exec'd program reports once its tracker's first interval has passed: how long to wait for
        /// that report before the stream counts as lost.
        double exec_grace_s = 2.0;
        /// Tells why an exec'd program never reported: an environment that no longer preloads the
        /// tracker (`env LD_PRELOAD=...`, a wrapper) rather than a static binary.
        PreloadProbe preload = preload_of;
        /// Tells an exec'd program that carries the tracker but has not allocated through malloc yet
        /// (the tracker reports from its first allocation on: gzip, cat, a shell builtin's helper in a
        /// pipeline) from one the tracker is not in: the first has lost nothing.
        TrackerProbe tracker_loaded = tracker_loaded_in;
    };

    explicit StreamLosses(Probe probe = running_since);
    StreamLosses(Probe probe, Settings settings);

    /// A stream ended without the process's goodbye. True when the process still runs (the stream is
    /// lost, or waits for its exec'd program to report): then it did not exit and freed nothing.
    bool stream_ended(std::uint32_t process, std::int64_t pid, bool exec_announced);
    /// The program `process` exec'd reported as a new stream: nothing was lost.
    void exec_claimed(std::uint32_t process);
    /// The stream stays connected but its process, running, stopped reporting (SilentStreams): lost
    /// from its last report at `last_report_t_s`, recorded at the next update. Ignored once the process is gone.
    void stream_silent(std::uint32_t process, std::int64_t pid, double last_report_t_s);

    struct Loss {
        std::uint32_t process = 0;
        double t_s = 0;  ///< the first sample whose heap was unknown because of it
        std::string reason;
    };
    /// Called at each sample: the streams now known to be lost (to record), and forgets the lost
    /// processes that have ended since (their memory went with them).
    std::vector<Loss> update(double t_s);
    /// The heap totals miss a process that runs on: leave them unknown. Not while an exec'd program has
    /// yet to report: exec took the old image's memory with it and the new program's heap starts at
    /// nothing, so it counts as 0 until its first report (a shell script starting `sleep` every 50 ms had
    /// one such wait at nearly every sample, and its whole heap series was dropped for it).
    bool heap_unknown() const;

    /// Why a stream counts as lost: it ended, its exec'd program never reported, or it went silent.
    enum class Why { ended, exec, silent };

private:
    struct Pending {
        std::int64_t pid = 0;
        std::uint64_t start_time = 0;
        Why why = Why::ended;
        std::optional<double> since_t_s;  ///< set at the first sample after the end (silent: its last report)
        bool carries_tracker = false;     ///< exec only: the new program has the tracker loaded
    };
    Probe probe_;
    Settings settings_;
    std::map<std::uint32_t, Pending> pending_;  ///< ended without goodbye, process still running
    std::map<std::uint32_t, Pending> lost_;     ///< recorded as lost, process still running
};

}  // namespace leakscope::session
