#include "session/tracker_bridge.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "collector/trackability.hpp"
#include "session/python_target.hpp"
#include "symbols/symbolizer.hpp"

namespace leakscope::session {

namespace {

/// Sums the allocator figures of the processes that gave them; a figure no process gave stays unknown.
void add_allocator_stats(const std::map<std::uint32_t, collector::AllocatorStats>& stats, SamplePoint& sample) {
    const auto add = [](std::uint64_t& sum, std::uint64_t value) {
        if (!known(value)) return;
        sum = known(sum) ? sum + value : value;
    };
    for (const auto& [process, s] : stats) {
        add(sample.allocator_footprint, s.footprint_bytes);
        add(sample.allocator_in_use, s.in_use_bytes);
        add(sample.allocator_free, s.free_kept_bytes);
    }
}

}  // namespace

std::unique_ptr<TrackerBridge> TrackerBridge::create_for(const std::string& program, const WatchOptions& options,
                                                         std::vector<std::string>& notes) {
    const auto trackability = collector::check_trackable(program);
    if (!trackability.trackable) {
        // Some reasons say "sampling /proc only" already: say it once.
        const std::string suffix = "; sampling /proc only";
        const bool said = trackability.reason.size() >= suffix.size() &&
                          trackability.reason.compare(trackability.reason.size() - suffix.size(), suffix.size(), suffix) == 0;
        notes.push_back(said ? trackability.reason : trackability.reason + suffix);
        return nullptr;
    }
    try {
        return create_for_running(program, options);
    } catch (const std::runtime_error& e) {
        notes.push_back(std::string("cannot track allocations (") + e.what() + "); sampling /proc only");
        return nullptr;
    }
}

std::unique_ptr<TrackerBridge> TrackerBridge::create_for_running(const std::string& program, const WatchOptions& options) {
    collector::CollectorOptions collector_options;
    collector_options.interval_ms = static_cast<std::uint32_t>(options.interval_s * 1000.0 + 0.5);
    if (collector_options.interval_ms == 0) collector_options.interval_ms = 1;
    collector_options.sample_bytes = options.sample_bytes;
    return std::make_unique<TrackerBridge>(program, collector_options);
}

TrackerBridge::TrackerBridge(std::string program, collector::CollectorOptions options, StreamLosses::Probe running_since)
    : program_(std::move(program)),
      silent_(options.interval_ms / 1000.0),
      collector_(std::move(options)),
      losses_(std::move(running_since)) {}

std::map<std::string, std::string> TrackerBridge::target_environment() {
    std::map<std::string, std::string> environment;
    for (const auto& [name, value] : collector_.environment()) environment[name] = value;
    return environment;
}

void TrackerBridge::poll_into(double t_s, SamplePoint& sample) {
    poll_t_s_ = t_s;
    collector_.poll(*this, 0);
    if (!collector_.ever_connected()) return;
    for (const auto& silence : silent_.update(t_s))
        losses_.stream_silent(silence.process, silence.pid, silence.last_report_t_s);
    // A snapshot every interval, changed sites or not: the site grid keeps time with the samples, so
    // a site that stopped changing (a warm-up that ended) still has its flat tail to be judged on.
    if (writer_) writer_->add_site_snapshot(t_s, pending_updates_);
    pending_updates_.clear();
    recorded_any_ = true;
    record_losses(t_s);
    if (losses_.heap_unknown()) {
        // A process whose stream was lost still holds what it held: the totals are unknown, not smaller.
        for (const auto& [process, totals] : totals_) sample.events += totals.events;
        sample.events += events_of_ended_processes_;
        return;
    }
    std::uint64_t heap = 0, mapped = 0, allocations = 0, frees = 0, own = 0, events = events_of_ended_processes_;
    for (const auto& [process, totals] : totals_) {
        heap += static_cast<std::uint64_t>(std::max<std::int64_t>(totals.live_heap_bytes, 0));
        mapped += static_cast<std::uint64_t>(std::max<std::int64_t>(totals.mapped_bytes, 0));
        allocations += totals.allocations;
        frees += totals.frees;
        own += totals.tracker_bytes;
        events += totals.events;
    }
    sample.live_heap = sample.live_heap_min = sample.live_heap_max = heap;
    sample.mapped = mapped;
    sample.allocations = allocations;
    sample.frees = frees;
    sample.tracker_bytes = own;
    sample.events += events;
    add_allocator_stats(allocator_, sample);
    if (allocator_reads_ > 0) sample.allocator_reads = allocator_reads_;
}

std::uint64_t TrackerBridge::events() const {
    std::uint64_t events = events_of_ended_processes_;
    for (const auto& [process, totals] : totals_) events += totals.events;
    return events;
}

bool TrackerBridge::wait_for_first_stream(int timeout_ms) {
    for (int waited = 0; !collector_.ever_connected() && waited < timeout_ms; waited += 20) collector_.poll(*this, 20);
    return collector_.ever_connected();
}

void TrackerBridge::drain() {
    // What arrives after the target ended is its teardown (destructors freeing caches at exit): it
    // is read so the streams close cleanly, but not recorded, so an unbounded cache destroyed at
    // shutdown still shows what it held while the program ran.
    // The streams close when the processes' last bytes are in; a crashed process's closes at once.
    // Their final state (what was still allocated at exit) is recorded apart, as each process ends.
    // A program that ran only a few milliseconds may have connected and said everything since the
    // last poll: its connection still waits in the backlog, so read once before counting open streams.
    collector_.poll(*this, 0);
    for (int round = 0; round < 20 && collector_.open_streams() > 0; ++round) collector_.poll(*this, 50);
    pending_updates_.clear();
    if (writer_) {
        for (const auto& [process, state] : unclean_ends_) writer_->add_process_exit(state.first, state.second);
        exits_recorded_ += unclean_ends_.size();
    }
    unclean_ends_.clear();
}

void TrackerBridge::symbolize_into(recording::RecordingWriter& writer, const std::vector<std::string>& debug_dirs) {
    Recording recording = writer.model();
    if (recording.stacks.empty()) return;
    for (const auto& [key, frame] : python_frames_) recording.symbols[key] = {frame};
    symbols::SymbolizerOptions options;
    if (!debug_dirs.empty()) options.debug_dirs = debug_dirs;
    options.module_source = [this](const Module& module) { return module_source(module); };
    symbols::Symbolizer symbolizer(options);
    symbolizer.add_modules(recording.modules);
    symbols::symbolize_recording(recording, symbolizer);
    writer.set_symbols(std::move(recording.symbols));
    for (const auto& warning : symbolizer.warnings()) writer.add_warning(warning);
}

std::optional<std::string> TrackerBridge::module_source(const Module& module) const {
    switch (module_files_.state(module)) {
        case symbols::TargetModuleFiles::State::verified: return module_files_.view(module);
        case symbols::TargetModuleFiles::State::refused: return std::nullopt;
        case symbols::TargetModuleFiles::State::gone:
        case symbols::TargetModuleFiles::State::unknown: break;
    }
    // The process ended before its view could be checked: its path is opened only when that gains no
    // privilege, i.e. the process ran as the user leakscope runs as.
    for (const auto& [collector_process, recording_process] : process_index_) {
        if (recording_process != module.process) continue;
        const auto uid = collector_.peer_uid(collector_process);
        if (uid && *uid == ::geteuid()) return module.path;
    }
    return std::nullopt;
}

std::vector<std::string> TrackerBridge::notes(double run_seconds, double interval_s) const {
    std::vector<std::string> notes;
    if (!recorded_any_ && exits_recorded_ > 0) {
        notes.push_back("the target ended before the allocation tracker's first report: the verdict rests on RSS; "
                        "what was still allocated at exit is listed by site");
    } else if (!recorded_any_ && run_seconds < 3 * interval_s) {
        notes.push_back("the target ended before the allocation tracker's first report; the verdict rests on RSS");
    } else if (!collector_.ever_connected()) {
        const auto reason = collector::explain_never_connected(program_);
        notes.push_back((reason.empty() ? std::string("the allocation tracker never reported") : reason) +
                        "; the verdict rests on RSS");
    }
    if (python_frames_.empty() && writer_) {
        const std::string version = cpython_version(writer_->model().modules);
        if (!version.empty()) notes.push_back(missing_python_frames_note(version, LEAKSCOPE_TRACKER_PYTHON_FRAMES_VERSION));
    }
    if (!python_frames_.empty()) {
        const char* allocator = std::getenv("PYTHONMALLOC");
        notes.push_back(allocator != nullptr && std::string(allocator) == "malloc"
                            ? "Python target: sites name Python frames; PYTHONMALLOC=malloc: every object counted"
                            : "Python target: sites name Python frames; small objects are counted by pymalloc's "
                              "1 MiB arenas, each charged to the code that needed it (PYTHONMALLOC=malloc counts "
                              "every object, at ~1.4x the interpreter's time)");
    }
    return notes;
}

void TrackerBridge::record_losses(double t_s) {
    for (const auto& loss : losses_.update(t_s)) {
        ++losses_recorded_;
        if (!writer_) continue;
        const std::uint32_t process = writer_process(loss.process);
        writer_->add_tracking_loss({process, loss.t_s, loss.reason});
        const auto& labels = writer_->model().processes;
        const std::string label = process < labels.size() ? labels[process] : std::to_string(process);
        char when[32];
        std::snprintf(when, sizeof when, "%.1f s", loss.t_s);
        writer_->add_warning("allocation tracking lost at " + std::string(when) + ": process " + label + ": " + loss.reason +
                             "; its heap is unknown from then, and the verdict rests on RSS");
    }
}

void TrackerBridge::on_process(const collector::TrackedProcess& process) {
    // The kernel's word for the pid (SO_PEERCRED), not the stream's: a peer cannot pose as another process.
    const auto peer = collector_.peer_pid(process.process);
    pids_[process.process] = peer ? *peer : process.pid;
    silent_.heard(process.process, pids_[process.process], poll_t_s_);
    const auto predecessor = process.exec_of ? pids_.find(*process.exec_of) : pids_.end();
    // The stream that ended without a goodbye was this program's predecessor: an exec, not a crash.
    if (process.exec_of && (!peer || (predecessor != pids_.end() && predecessor->second == *peer))) {
        unclean_ends_.erase(*process.exec_of);
        losses_.exec_claimed(*process.exec_of);
        pids_.erase(*process.exec_of);
    }
    if (!writer_) return;
    process_index_[process.process] =
        writer_->add_process(std::to_string(process.pid) + ":" + (process.comm.empty() ? process.exe : process.comm));
}

std::uint32_t TrackerBridge::writer_process(std::uint32_t collector_process) const {
    const auto it = process_index_.find(collector_process);
    return it == process_index_.end() ? collector_process : it->second;
}

void TrackerBridge::on_module(const Module& module) {
    heard_from(module.process);
    Module copy = module;
    copy.process = writer_process(module.process);
    // Now, while the process most likely runs: at the end it may be gone, and its view with it.
    if (const auto pid = pids_.find(module.process); pid != pids_.end()) module_files_.capture(pid->second, copy);
    if (writer_) writer_->add_module(copy);
}

void TrackerBridge::on_module_unloaded(const Module& module) {
    heard_from(module.process);
    if (writer_) writer_->module_unloaded(writer_process(module.process), module.start, module.unloaded_t_s.value_or(0));
}

void TrackerBridge::on_stack(const Stack& stack) {
    heard_from(stack.process);
    if (!writer_) return;
    Stack copy = stack;
    copy.process = writer_process(stack.process);
    writer_->add_stack(copy);
}

void TrackerBridge::on_python_frame(std::uint32_t process, std::uint64_t address, const ResolvedFrame& frame) {
    heard_from(process);
    python_frames_[{writer_process(process), address}] = frame;
}

void TrackerBridge::on_site_update(const collector::SiteUpdate& update) {
    heard_from(update.process);
    // Stack ids are unique across processes, so one snapshot holds every process's sites.
    pending_updates_.push_back({update.stack, update.live_bytes, update.live_count, update.total_allocations,
                                update.total_bytes});
    latest_sites_[update.process][update.stack] = update;
}

void TrackerBridge::on_totals(std::uint32_t process, const collector::TrackerTotals& totals) {
    totals_[process] = totals;
    heard_from(process);
}

void TrackerBridge::heard_from(std::uint32_t process) {
    if (const auto pid = pids_.find(process); pid != pids_.end()) silent_.heard(process, pid->second, poll_t_s_);
}

void TrackerBridge::on_allocator_stats(std::uint32_t process, const collector::AllocatorStats& stats) {
    heard_from(process);
    allocator_[process] = stats;
    ++allocator_reads_;
    if (stats.kind == collector::AllocatorStats::Kind::unknown || !writer_) return;
    const std::string kind = collector::allocator_kind_name(stats.kind);
    if (("+" + allocator_kinds_ + "+").find("+" + kind + "+") != std::string::npos) return;  // already named
    allocator_kinds_ = allocator_kinds_.empty() ? kind : allocator_kinds_ + "+" + kind;
    RunInfo info = writer_->model().info;
    info.allocator = allocator_kinds_;
    writer_->update_info(info);
}

std::pair<ProcessExit, std::vector<ExitSite>> TrackerBridge::exit_state(std::uint32_t process, bool clean) const {
    ProcessExit exit;
    exit.process = writer_process(process);
    exit.clean = clean;
    if (const auto it = totals_.find(process); it != totals_.end()) {
        const auto& t = it->second;
        exit.t_s = t.t_s;
        exit.live_heap_bytes = t.live_heap_bytes;
        exit.live_allocations = t.live_allocations;
        exit.mapped_bytes = t.mapped_bytes;
        exit.allocations = t.allocations;
        exit.frees = t.frees;
    }
    std::vector<ExitSite> sites;
    if (const auto it = latest_sites_.find(process); it != latest_sites_.end()) {
        for (const auto& [stack, u] : it->second) {
            exit.t_s = std::max(exit.t_s, u.t_s);
            // Sites that hold nothing at exit are kept too: their final totals complete the growth view's.
            sites.push_back({stack, exit.process, u.live_bytes, u.live_count, u.total_allocations, u.total_bytes});
        }
    }
    return {exit, std::move(sites)};
}

void TrackerBridge::on_process_end(std::uint32_t process, bool clean) {
    // Lost while the process runs on: not an exit, nothing was freed (the totals go unknown instead).
    silent_.ended(process);
    const auto pid = pids_.find(process);
    const bool lost = !clean && pid != pids_.end() && losses_.stream_ended(process, pid->second, exec_announced_.count(process) > 0);
    if (writer_ && !lost && !exec_announced_.count(process)) {
        auto state = exit_state(process, clean);
        if (clean) {
            writer_->add_process_exit(state.first, state.second);
            ++exits_recorded_;
        } else {
            unclean_ends_[process] = std::move(state);
        }
    }
    if (!lost) pids_.erase(process);  // a lost one's pid tells the program it exec'd from an impostor
    latest_sites_.erase(process);
    allocator_.erase(process);
    // A process that ended holds no memory any more; its work units still count.
    const auto it = totals_.find(process);
    if (it == totals_.end()) return;
    events_of_ended_processes_ += it->second.events;
    totals_.erase(it);
}

}  // namespace leakscope::session
