// Connects the allocation tracker to a watch: decides whether the target can be tracked, gives the
// environment that preloads the tracker, and moves the tracker's snapshots into the recording.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "collector/tracker_collector.hpp"
#include "collector/tracker_sink.hpp"
#include "model/sample_point.hpp"
#include "recording/recording_writer.hpp"
#include "session/silent_streams.hpp"
#include "session/stream_loss.hpp"
#include "symbols/target_view.hpp"
#include "session/watch_options.hpp"

namespace leakscope::session {

class TrackerBridge final : private collector::TrackerSink {
public:
    /// nullptr (with a one-line note) when `program` cannot be tracked: a static binary, setuid, or
    /// the tracker library is missing. The run then samples /proc only.
    static std::unique_ptr<TrackerBridge> create_for(const std::string& program, const WatchOptions& options,
                                                     std::vector<std::string>& notes);

    /// attach --track: a bridge for a process that is running already (the injection checks the process
    /// itself, not a program file). Throws std::runtime_error when the collector cannot be set up.
    static std::unique_ptr<TrackerBridge> create_for_running(const std::string& program, const WatchOptions& options);

    std::map<std::string, std::string> target_environment();
    /// The receiving side, for attach --track (settings to inject, ending the streams to detach).
    collector::TrackerCollector& collector() { return collector_; }
    void attach_writer(recording::RecordingWriter& writer) { writer_ = &writer; }
    /// Streams only from the watched tree (see TrackerCollector::accept_only_tree_of).
    void accept_only_tree_of(pid_t root, pid_t adopter) { collector_.accept_only_tree_of(root, adopter); }
    /// Reads whatever the tracked processes sent, records the site snapshot, and adds the tracker's
    /// totals to `sample` (left unknown until the first process has reported).
    void poll_into(double t_s, SamplePoint& sample);
    /// attach --track: reads the streams until the first process has said hello, at most `timeout_ms`.
    bool wait_for_first_stream(int timeout_ms);
    /// The last reads after the target ended (not recorded: see the definition).
    void drain();
    /// Symbolizes every stack seen (in our process, with libdw) and hands the symbols to the writer.
    void symbolize_into(recording::RecordingWriter& writer, const std::vector<std::string>& debug_dirs);
    /// Work units counted through leakscope_event() in every tracked process so far.
    std::uint64_t events() const;
    /// One-line remarks for the user, e.g. that the target never called malloc.
    std::vector<std::string> notes(double run_seconds, double interval_s) const;

    TrackerBridge(std::string program, collector::CollectorOptions options,
                  StreamLosses::Probe running_since = StreamLosses::running_since);

private:
    void on_process(const collector::TrackedProcess& process) override;
    void on_module(const Module& module) override;
    void on_module_unloaded(const Module& module) override;
    void on_stack(const Stack& stack) override;
    void on_python_frame(std::uint32_t process, std::uint64_t address, const ResolvedFrame& frame) override;
    void on_site_update(const collector::SiteUpdate& update) override;
    void on_totals(std::uint32_t process, const collector::TrackerTotals& totals) override;
    void on_allocator_stats(std::uint32_t process, const collector::AllocatorStats& stats) override;
    void on_process_end(std::uint32_t process, bool clean) override;
    void on_process_exec(std::uint32_t process) override { exec_announced_.insert(process); }

    /// Any packet of `process` arrived: it is not silent (SilentStreams).
    void heard_from(std::uint32_t process);
    std::uint32_t writer_process(std::uint32_t collector_process) const;
    /// The process's exit record and the sites that still held memory, from the latest values received.
    std::pair<ProcessExit, std::vector<ExitSite>> exit_state(std::uint32_t process, bool clean) const;

    std::string program_;
    /// Streams that stay open but stopped reporting (made before collector_, which takes the options).
    SilentStreams silent_;
    double poll_t_s_ = 0;  ///< the sample time of the poll being read: when a report was heard
    collector::TrackerCollector collector_;
    recording::RecordingWriter* writer_ = nullptr;
    std::map<std::uint32_t, std::uint32_t> process_index_;          ///< collector's index -> recording's
    std::map<std::uint32_t, collector::TrackerTotals> totals_;      ///< live processes only
    std::map<std::uint32_t, collector::AllocatorStats> allocator_;  ///< live processes only
    std::uint64_t allocator_reads_ = 0;  ///< allocator figures received so far, every process (SamplePoint::allocator_reads)
    std::string allocator_kinds_;  ///< what RunInfo::allocator says so far
    std::uint64_t events_of_ended_processes_ = 0;
    std::vector<recording::SiteUpdate> pending_updates_;
    bool recorded_any_ = false;  ///< a sample got the tracker's totals
    /// Names of the Python frames' pseudo addresses (CPython targets), by (recording process, address):
    /// they become those addresses' symbols, so the symbolizer leaves them alone.
    std::map<std::pair<std::uint32_t, std::uint64_t>, ResolvedFrame> python_frames_;
    /// Latest values of every site, by collector process: what the exit view is made of.
    std::map<std::uint32_t, std::map<StackId, collector::SiteUpdate>> latest_sites_;
    /// Processes whose stream ended without a goodbye: a crash, or an exec whose new program has not
    /// said hello yet. Written at the end of the drain unless a new program claims them as exec'd.
    std::map<std::uint32_t, std::pair<ProcessExit, std::vector<ExitSite>>> unclean_ends_;
    std::size_t exits_recorded_ = 0;
    std::set<std::uint32_t> exec_announced_;
    /// Streams that ended while their process ran on; pids by collector process to tell.
    StreamLosses losses_;
    std::map<std::uint32_t, std::int64_t> pids_;
    std::size_t losses_recorded_ = 0;
    /// Module files opened through each process's own view while it ran (symbolizing reads only these).
    symbols::TargetModuleFiles module_files_;
    /// Where the symbolizer may read `module` from (see symbolize_into).
    std::optional<std::string> module_source(const Module& module) const;
    /// Records the streams found lost at this sample (recording chunk and warning).
    void record_losses(double t_s);
};

}  // namespace leakscope::session
