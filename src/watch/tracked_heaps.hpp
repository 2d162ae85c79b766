// Allocation tracking for `watch`: processes started with the tracker and pointed at watch's socket
// (LD_PRELOAD=<lib>/libleakscope_tracker.so LEAKSCOPE_TRACKER_SOCKET=<state-dir>/tracker.sock, e.g. in
// their systemd unit) stream their totals to watch, which is then their collector; each watched
// process's samples carry the live heap of its tracked processes, and the verdict rests on it.
//
// The tracker (src/tracker/transport/) connects on its first allocations, tries once per snapshot
// interval for 50 attempts, then once a minute for ever, and connects again when its stream ends
// because watch went away: a service started before watch, or running across a restart of watch, is
// tracked once watch listens, with its whole live state.
// The socket sits in the collector's private 0700 directory (src/collector/), made in the state
// directory: only processes of watch's own user can connect.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "collector/tracker_collector.hpp"
#include "collector/tracker_sink.hpp"
#include "model/sample_point.hpp"

namespace leakscope::watch {

/// The snapshot interval asked of the tracker: watch reads the latest totals once per --every.
inline constexpr std::uint32_t kTrackerIntervalMs = 1000;
/// Sampled tracking (the production mode: the live heap total stays exact, sites are sampled).
inline constexpr std::uint64_t kTrackerSampleBytes = 512 * 1024;

class TrackedHeaps final : private collector::TrackerSink {
public:
    /// Starts a collector and makes `link` (replaced if present) point at its socket. Throws
    /// std::runtime_error with one line when the tracker library is missing or the socket cannot be made.
    explicit TrackedHeaps(std::filesystem::path link);
    ~TrackedHeaps() override;
    TrackedHeaps(const TrackedHeaps&) = delete;
    TrackedHeaps& operator=(const TrackedHeaps&) = delete;

    /// What to add to a program's environment so that it is tracked (the socket through `link`).
    std::vector<std::pair<std::string, std::string>> environment() const;
    /// Reads what the tracked processes sent, without waiting.
    void poll();
    /// Adds the latest totals of the tracked processes among `pids` to `sample` (live heap, mappings,
    /// allocation counts); leaves them unknown when none of them is tracked.
    void fill(const std::vector<int>& pids, SamplePoint& sample) const;
    std::size_t tracked_processes() const { return totals_.size(); }

private:
    bool keeps_stacks() const override { return false; }  // totals only: the collector keeps no frames
    void on_process(const collector::TrackedProcess& process) override;
    void on_module(const Module&) override {}
    void on_module_unloaded(const Module&) override {}
    void on_stack(const Stack&) override {}
    void on_site_update(const collector::SiteUpdate&) override {}
    void on_totals(std::uint32_t process, const collector::TrackerTotals& totals) override;
    void on_process_end(std::uint32_t process, bool clean) override;

    std::filesystem::path link_;
    collector::TrackerCollector collector_;
    std::map<std::uint32_t, std::int64_t> pid_of_;                 ///< collector's process index -> pid
    std::map<std::int64_t, collector::TrackerTotals> totals_;      ///< by pid, processes whose stream is open
};

}  // namespace leakscope::watch
