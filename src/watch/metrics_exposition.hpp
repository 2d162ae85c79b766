// The Prometheus text exposition format (version 0.0.4) of what `leakscope watch` knows: one set of
// gauges per watched process and leakscope's own health. Pure: the server only serves the text.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakscope::watch {

/// The facts of one watched process at its latest diagnosis.
struct ProcessMetrics {
    long pid = 0;
    std::string comm;
    std::string pattern;   ///< the report schema's spelling ("linear_growth", ...)
    std::string severity;  ///< "none" ... "critical"
    double rss_bytes = 0;
    std::optional<double> live_heap_bytes;  ///< only when the allocation tracker is on
    double steady_rate_bytes_per_s = 0;
    double rate_ci_low_bytes_per_s = 0;
    double rate_ci_high_bytes_per_s = 0;
    double warmup_bytes = 0;
    bool leak = false;
    bool decided = false;
    std::optional<double> watch_more_s;        ///< while undecided: how much longer to watch
    std::optional<double> limit_bytes;
    std::optional<double> time_to_limit_s;     ///< absent (no sample) when it never reaches the limit
    std::optional<double> restart_interval_s;
    /// The private writable mappings' size (VmData), resident or not: RSS that grows while this stays
    /// flat fills memory mapped earlier.
    std::optional<double> data_mappings_bytes;
    /// A JVM's own heap (its hsperfdata counters), when the process is or runs one.
    struct JvmHeap {
        double used_bytes = 0;
        double committed_bytes = 0;
        std::optional<double> max_bytes;
        double young_collections = 0, full_collections = 0, concurrent_collections = 0;  ///< cumulative
    };
    std::optional<JvmHeap> jvm;
};

/// leakscope's own health.
struct WatchHealth {
    std::size_t processes = 0;
    std::uint64_t cycles = 0;
    double last_cycle_seconds = 0;
    double start_time_unix_s = 0;
    double resident_bytes = 0;  ///< leakscope's own RSS
    double state_bytes = 0;     ///< bytes in --state-dir
    std::uint64_t state_errors = 0;
    std::map<std::string, std::uint64_t> transitions;  ///< by kind: "leak", "recovered", "near_limit"
    std::uint64_t hook_runs = 0;
    std::uint64_t hook_failures = 0;
    std::optional<std::size_t> tracked_processes;  ///< with --track: processes streaming to watch's tracker socket
};

/// The whole /metrics page. Per-process gauges carry `pid` and `comm`; `leakscope_leak` and
/// `leakscope_decided` also carry `pattern` and `severity` (on those two only, so a change of verdict
/// does not split the history of the memory gauges into new series).
std::string render_metrics(const std::vector<ProcessMetrics>& processes, const WatchHealth& health);

/// A label value escaped as the format requires (backslash, double quote, newline).
std::string escape_label_value(const std::string& value);

}  // namespace leakscope::watch
