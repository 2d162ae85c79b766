// Tells a tracker stream that stays connected but stopped reporting from one that is merely quiet.
// A stream whose transport thread is stuck (the program deadlocked inside the tracker, or took its
// socket over while keeping it open) never ends, so its last totals would pass for current ones. After
// a silence of many flush intervals while its process runs, the stream counts as lost from its last
// report. A stopped process (SIGSTOP, a debugger: state T or t) allocates nothing, so its last totals
// stay true: it is never silent, and its clock starts again when it continues.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace leakscope::session {

class SilentStreams {
public:
    /// The state letter of /proc/PID/stat ('R', 'S', 'D', 'T'...); nullopt once the process is gone or
    /// a zombie (its stream is about to end: not a silence).
    using StateProbe = std::function<std::optional<char>(std::int64_t pid)>;
    static std::optional<char> process_state(std::int64_t pid);

    struct Settings {
        /// The tracker reports every flush interval; this many missed in a row count as silence...
        int intervals = 10;
        /// ...but never less than this: a loaded machine may leave the transport thread unscheduled
        /// for a while, and a false silence costs the run its heap series.
        double floor_s = 5.0;
        /// A silence counts once its process was seen running (not stopped) for this long past the
        /// limit, and at least two intervals.
        double confirm_floor_s = 1.0;
    };

    explicit SilentStreams(double interval_s, StateProbe probe = process_state);
    SilentStreams(double interval_s, StateProbe probe, Settings settings);

    /// How long a stream may stay silent before its process is checked (the confirmation comes on top).
    double limit_s() const { return limit_s_; }
    /// A report (hello or totals) of `process` arrived at `t_s` (the sample time of the poll that read it).
    void heard(std::uint32_t process, std::int64_t pid, double t_s);
    /// The stream ended: nothing more to wait for.
    void ended(std::uint32_t process) { streams_.erase(process); }

    struct Silence {
        std::uint32_t process = 0;
        std::int64_t pid = 0;
        double last_report_t_s = 0;  ///< the heap is unknown from here on
    };
    /// At each sample: the streams found silent now, each once (a stream that speaks again stays lost:
    /// what it missed cannot be told apart from what it reports).
    std::vector<Silence> update(double t_s);

private:
    struct Stream {
        std::int64_t pid = 0;
        double last_t_s = 0;
        bool silent = false;
        std::optional<double> running_silent_since;  ///< seen running past the limit since then
    };
    StateProbe probe_;
    double limit_s_;
    double confirm_s_;
    std::map<std::uint32_t, Stream> streams_;
};

}  // namespace leakscope::session
