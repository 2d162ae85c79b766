#include "session/watch_session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

#include "collector/trackability.hpp"
#include "launch/output_relay.hpp"
#include "launch/signal_forwarding.hpp"
#include "launch/target_process.hpp"
#include "recording/recording_error.hpp"
#include "recording/recording_writer.hpp"
#include "sampler/access_check.hpp"
#include "sampler/tree_sampler.hpp"
#include "session/attached_tracker.hpp"
#include "session/run_info.hpp"
#include "session/status_line.hpp"
#include "session/tracker_bridge.hpp"

namespace leakscope::session {
namespace {

using Clock = std::chrono::steady_clock;

/// Fails before the target starts when the recording cannot be written where asked.
void check_recording_path_writable(const std::filesystem::path& path) {
    const auto parent = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (::access(parent.c_str(), W_OK) != 0) {
        throw std::runtime_error("cannot write the recording to " + path.string() + ": " + std::strerror(errno));
    }
}

/// Reaps what is left of earlier runs in this process (compare runs several) and says whether any of
/// it still runs: such a leftover is our child, and must not be taken for an orphan of the next target.
bool live_children_left() {
    pid_t reaped = 0;
    while ((reaped = ::waitpid(-1, nullptr, WNOHANG)) > 0) {
    }
    return !(reaped < 0 && errno == ECHILD);
}

sampler::TreeSamplerOptions sampler_options(pid_t adopter) {
    sampler::TreeSamplerOptions options;
    options.adopter_pid = adopter;
    return options;
}

/// What one watch needs, whichever way the process came to be watched. `adopter` (run only) is our own
/// pid once we are the target's subreaper: the orphans we take in are watched, and reaped.
class Watch {
public:
    Watch(const WatchOptions& options, pid_t root, RunInfo info, std::unique_ptr<TrackerBridge> tracker, pid_t adopter = 0,
          bool read_go_gc_trace = false)
        : options_(options),
          adopter_(adopter),
          sampler_(root, sampler::ProcFs{}, sampler_options(adopter)),
          relay_(options.events_regex),
          status_(options.status_line),
          tracker_(std::move(tracker)) {
        if (read_go_gc_trace) relay_.read_go_gc_trace(/*swallow=*/true);
        try {
            writer_ = std::make_unique<recording::RecordingWriter>(
                recording::RecordingWriter::create(options.recording_path.string(), info));
        } catch (const recording::RecordingError& e) {
            throw std::runtime_error("cannot write the recording to " + e.path() + ": " + e.reason());
        }
        if (tracker_) {
            tracker_->attach_writer(*writer_);
            tracker_->accept_only_tree_of(root, adopter);
        }
    }

    /// Samples every interval until `should_stop` says so; `target` (run only) is relayed and reaped.
    RunEnd loop(launch::TargetProcess* target) {
        const auto start = Clock::now();
        auto seconds_since_start = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
        double next_sample = 0, last_flush = 0;
        std::optional<double> stop_requested_at;  // --duration reached or interrupted (run: SIGTERM sent)
        std::string reason = target ? "exited" : "target-gone";
        bool interrupted = false;

        while (true) {
            const double now = seconds_since_start();
            // The last sample of a --duration watch reads smaps too, so the categories cover the whole watch.
            const bool duration_reached = options_.duration_s && now >= *options_.duration_s && !stop_requested_at;
            if (duration_reached) sampler_.request_smaps_round();
            if (now >= next_sample || duration_reached) {
                if (!take_sample(now) && !target) break;  // attach: the process is gone
                next_sample += options_.interval_s;
                if (next_sample < now) next_sample = now + options_.interval_s;  // we fell behind: skip, don't burst
                if (now - last_flush >= 1.0) {
                    writer_->flush();
                    last_flush = now;
                }
            }
            if (target && target->poll_exit()) break;

            if (options_.duration_s && now >= *options_.duration_s && !stop_requested_at) {
                stop_requested_at = now;
                reason = "duration";
                if (!target) break;
                target->send_signal(SIGTERM);
            }
            if (target && stop_requested_at && now - *stop_requested_at > options_.kill_grace_s) {
                target->send_signal(SIGKILL);
            }

            bool from_terminal = false;
            if (const int signal = launch::take_pending_signal(from_terminal)) {
                if (!target) {
                    interrupted = true;
                    break;
                }
                // A Ctrl-C at the terminal already reached the target (same process group).
                if (!from_terminal) target->send_signal(signal);
                if (!stop_requested_at) reason = "interrupted";
            }
            wait_for_io(target, next_sample - seconds_since_start());
        }
        if (target) {
            drain_output(*target);
            target->wait_exit();
        }
        status_.clear();

        RunEnd end;
        end.duration_s = seconds_since_start();
        end.reason = interrupted ? "interrupted" : reason;
        end.events = relay_.events() + (tracker_ ? tracker_->events() : 0);
        if (target) {
            const auto status = *target->poll_exit();
            end.exit_code = status.exit_code;
            end.term_signal = status.term_signal;
            if (end.reason == "exited" && status.term_signal) end.reason = "killed-by-signal";
        }
        return end;
    }

    /// A note of the run's start that the reports should carry too (the tracker could not be loaded, ...).
    void add_warning(const std::string& text) { writer_->add_warning(text); }

    WatchResult finish(const RunEnd& end) {
        if (tracker_) {
            tracker_->drain();
            tracker_->symbolize_into(*writer_, options_.debug_dirs);
        }
        writer_->finish(end);
        WatchResult result;
        result.recording = writer_->model();
        if (const auto lacking = writer_->unwritten())  // disk full: the reports still cover the whole run
            result.notes.push_back("the recording " + writer_->path() + " " + *lacking);
        if (tracker_) {
            for (auto& note : tracker_->notes(end.duration_s, options_.interval_s)) result.notes.push_back(note);
        }
        if (const std::size_t left = processes_left_running()) {
            result.notes.push_back(std::to_string(left) + (left == 1 ? " process started by the command was" : " processes started by the command were") +
                                   " still running when the command exited; the watch ended with the command");
        }
        return result;
    }

private:
    /// False when the watched tree is gone (nothing to record).
    bool take_sample(double t) {
        SamplePoint sample = sampler_.sample();
        reap_adopted_orphans();
        // A root that ended (a zombie until we reap it) holds no memory: that is not a sample of it. RSS 0
        // is the same, caught between its exit and our reading of its state.
        if (sample.processes == 0 || !sampler_.root_alive() || sample.rss == 0) return false;
        sample.t_s = t;
        sample.events = relay_.events();
        go_heap_into(sample);
        if (tracker_) tracker_->poll_into(t, sample);
        writer_->add_sample(sample);
        warn_once_of_unread_jvms(sample);
        status_.update(sample);
        return true;
    }

    /// The Go runtime's latest collection as the runtime heap's figures: every Go collection marks the
    /// whole heap, so each is a "full" one and what it found live (with the goroutine stacks, where a
    /// goroutine leak holds most of its memory) is the level after it. The level stays until the next
    /// collection; the heap goal stands for the committed size. No maximum: GOMEMLIMIT is not printed.
    void go_heap_into(SamplePoint& sample) {
        const auto& gc = relay_.last_go_collection();
        if (!gc || known(sample.runtime_heap_used)) return;  // none yet, or a JVM in the tree (its figures win)
        if (relay_.go_collections_mixed()) {
            // From here on the figures are unknown; the analysis judges only a heap read throughout (analysis/runtime_heap.cpp).
            if (!warned_of_mixed_go_collections_)
                writer_->add_warning("several Go processes report their collections on the command's stderr (a Go child or an "
                                     "exec'd Go program): which heap each report measures cannot be told, so the Go heap is not "
                                     "judged from them; RSS is");
            warned_of_mixed_go_collections_ = true;
            return;
        }
        // A Go program started by a wrapper (--gc-trace): the run becomes a Go program's once it reports.
        if (writer_->model().info.runtime.empty()) {
            RunInfo info = writer_->model().info;
            info.runtime = std::string(kGoRuntime);
            writer_->update_info(info);
        }
        const std::uint64_t live = gc->live_heap + gc->stacks.value_or(0);
        sample.runtime_heap_used = live;
        sample.runtime_eden_used = 0;  // what survived = the level itself (Go has no generations: no old one either)
        sample.runtime_heap_committed = std::max(gc->goal, live);
        sample.runtime_young_gcs = 0;
        sample.runtime_full_gcs = relay_.go_collections_read();
        sample.runtime_concurrent_gcs = 0;
    }

    /// A JVM whose counters were not found: said once, in the recording's warnings (so in every report
    /// and in `analyze`'s output), beside what the verdict makes of it.
    void warn_once_of_unread_jvms(const SamplePoint& sample) {
        if (warned_of_unread_jvms_ || !known(sample.runtime_unread_jvms) || sample.runtime_unread_jvms == 0) return;
        warned_of_unread_jvms_ = true;
        writer_->add_warning("a JVM of the watched tree has no performance-counter file leakscope can read (/tmp/hsperfdata_USER/PID: "
                             "-XX:-UsePerfData, -XX:+PerfDisableSharedMem, a /tmp leakscope cannot see, or figures that "
                             "stayed unusable for seconds): its Java heap "
                             "is not measured, and RSS does not show a leak inside the heap it has committed");
    }

    /// run: descendants still alive after the command exited (they are ours now, as its subreaper).
    std::size_t processes_left_running() {
        if (!adopter_) return 0;
        sampler_.sample();
        reap_adopted_orphans();
        std::size_t alive = 0;
        for (const auto& process : sampler_.last_processes())
            alive += process.pid != sampler_.root_pid() && process.state != 'Z' && process.state != 'X';
        return alive;
    }

    /// Orphans re-parented to us that have exited: nobody else will wait for them. The root is left
    /// to TargetProcess, which needs its exit status.
    void reap_adopted_orphans() {
        if (!adopter_) return;
        for (const auto& process : sampler_.last_processes()) {
            if (process.ppid == adopter_ && process.pid != sampler_.root_pid() && process.state == 'Z')
                ::waitpid(process.pid, nullptr, WNOHANG);
        }
    }

    /// Sleeps until `timeout_s`, waking early to pass the target's output through or for a signal.
    void wait_for_io(launch::TargetProcess* target, double timeout_s) {
        pollfd fds[3];
        nfds_t count = 0;
        if (target && target->stdout_fd() >= 0) fds[count++] = {target->stdout_fd(), POLLIN, 0};
        if (target && target->stderr_fd() >= 0) fds[count++] = {target->stderr_fd(), POLLIN, 0};
        if (launch::signal_wakeup_fd() >= 0) fds[count++] = {launch::signal_wakeup_fd(), POLLIN, 0};
        const int timeout_ms = timeout_s <= 0 ? 0 : static_cast<int>(timeout_s * 1000.0) + 1;
        if (::poll(fds, count, timeout_ms) <= 0) return;
        for (nfds_t i = 0; i < count; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
            if (target && fds[i].fd == target->stdout_fd()) relay_or_close(fds[i].fd, STDOUT_FILENO, *target);
            if (target && fds[i].fd == target->stderr_fd()) relay_or_close(fds[i].fd, STDERR_FILENO, *target);
        }
    }

    void relay_or_close(int from, int to, launch::TargetProcess& target) {
        if (!relay_.relay(from, to)) {
            // End of file: stop polling this stream (the target or a child closed it).
            if (from == target.stdout_fd()) closed_stdout_ = true;
            if (from == target.stderr_fd()) closed_stderr_ = true;
            if ((closed_stdout_ || target.stdout_fd() < 0) && (closed_stderr_ || target.stderr_fd() < 0)) target.close_output_fds();
        }
    }

    /// After the target exits, whatever it wrote last is still in the pipes.
    void drain_output(launch::TargetProcess& target) {
        for (auto [from, to] : {std::pair{target.stdout_fd(), STDOUT_FILENO}, std::pair{target.stderr_fd(), STDERR_FILENO}}) {
            if (from < 0) continue;
            ::fcntl(from, F_SETFL, ::fcntl(from, F_GETFL) | O_NONBLOCK);
            relay_.relay(from, to);
        }
        relay_.finish();
        target.close_output_fds();
    }

    const WatchOptions& options_;
    pid_t adopter_;
    sampler::TreeSampler sampler_;
    launch::OutputRelay relay_;
    StatusLine status_;
    std::unique_ptr<TrackerBridge> tracker_;
    std::unique_ptr<recording::RecordingWriter> writer_;
    bool closed_stdout_ = false, closed_stderr_ = false;
    bool warned_of_unread_jvms_ = false;
    bool warned_of_mixed_go_collections_ = false;
};

/// A Go program started by `run`: GODEBUG gains gctrace=1, and its stderr comes through a pipe for the
/// relay to read the reports from (stdout stays the program's). Not when the user's GODEBUG says
/// gctrace already (their setting and their output, untouched) or the program is not a Go one (unless
/// `whatever_the_command`: --gc-trace, for a wrapper that starts one).
bool ask_go_for_its_collections(const std::vector<std::string>& command, launch::LaunchOptions& launch, bool whatever_the_command) {
    if (command.empty()) return false;
    if (!whatever_the_command && collector::garbage_collected_runtime_of_program(command.front()) != kGoRuntime) return false;
    std::string godebug;
    if (const auto given = launch.extra_environment.find("GODEBUG"); given != launch.extra_environment.end()) godebug = given->second;
    else if (const char* ours = std::getenv("GODEBUG")) godebug = ours;
    if (("," + godebug).find(",gctrace=") != std::string::npos) return false;
    launch.extra_environment["GODEBUG"] = godebug.empty() ? "gctrace=1" : godebug + ",gctrace=1";
    launch.pipe_stderr = true;
    return true;
}

}  // namespace

std::string default_recording_path(const std::string& program, long pid) {
    std::string base = program.substr(program.find_last_of('/') + 1);
    for (auto& c : base) {
        if (c == ' ' || static_cast<unsigned char>(c) < 32) c = '_';
    }
    if (base.empty()) base = "target";
    return "leakscope." + base + "." + std::to_string(pid) + ".lks";
}

WatchResult run_and_watch(const std::vector<std::string>& command, WatchOptions options) {
    if (!options.recording_path.empty()) check_recording_path_writable(options.recording_path);
    else {
        // Named as it will be (the pid is not known yet), with the directory it goes to.
        std::string name = default_recording_path(command.front(), 0);
        name.replace(name.size() - 6, 6, ".<pid>.lks");
        check_recording_path_writable(std::filesystem::current_path() / name);
    }

    std::vector<std::string> notes;
    std::unique_ptr<TrackerBridge> tracker;
    if (options.track) {
        tracker = TrackerBridge::create_for(command.front(), options, notes);
    }
    // Why the tracker was not loaded (a static binary, ...) belongs in the recording too: the reports' Run
    // table would say "full" beside a run that tracked nothing.
    const std::vector<std::string> tracker_notes = tracker ? std::vector<std::string>{} : notes;
    launch::LaunchOptions launch_options;
    launch_options.argv = command;
    launch_options.pipe_output = !options.events_regex.empty();
    launch_options.extra_environment = options.extra_environment;
    const bool read_go_gc_trace = options.go_gc_trace && ask_go_for_its_collections(command, launch_options, options.force_go_gc_trace);
    if (read_go_gc_trace)
        notes.push_back("a Go program: its runtime reports each collection (GODEBUG=gctrace=1), and what they find live is its "
                        "heap's measure; those lines are taken out of its stderr (--no-gc-trace: not asked for)");
    if (tracker) {
        for (auto [name, value] : tracker->target_environment()) {
            // A preload the configuration asks for (another allocator, say) stays, after the tracker.
            const auto given = launch_options.extra_environment.find(name);
            if (name == "LD_PRELOAD" && given != launch_options.extra_environment.end() && !given->second.empty()) {
                value = value.substr(0, value.find(':')) + ":" + given->second;
            }
            launch_options.extra_environment[name] = value;
        }
    }
    launch::install_stop_signal_handlers();
    // Descendants whose parent exits (a daemon's double fork, `cmd &` in a script that ends) come to
    // us instead of to init, so they stay in the watched tree. Without it they would vanish from it.
    // Only while this run lasts, and only when no process of an earlier run is still our child.
    const bool subreaper = !live_children_left() && ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
    struct SubreaperOff {
        bool on;
        ~SubreaperOff() {
            if (on) ::prctl(PR_SET_CHILD_SUBREAPER, 0);
        }
    } subreaper_off{subreaper};
    auto target = launch::TargetProcess::launch(launch_options);

    if (options.recording_path.empty()) options.recording_path = default_recording_path(command.front(), target.pid());
    RunInfo info = make_run_info(command, target.pid(), /*attached=*/false, options);
    std::optional<Watch> watch;
    try {
        watch.emplace(options, target.pid(), info, std::move(tracker), subreaper ? ::getpid() : 0, read_go_gc_trace);
        for (const auto& note : tracker_notes) watch->add_warning(note);
    } catch (...) {
        target.send_signal(SIGTERM);  // we cannot record: do not leave the target running unseen
        target.wait_exit();
        throw;
    }
    const RunEnd end = watch->loop(&target);
    WatchResult result = watch->finish(end);
    result.recording_path = options.recording_path.string();
    result.exit = target.poll_exit();
    result.notes.insert(result.notes.begin(), notes.begin(), notes.end());
    return result;
}

WatchResult attach_and_watch(pid_t pid, WatchOptions options) {
    sampler::ProcFs fs;
    if (const auto problem = sampler::check_attach_access(fs, pid)) throw std::runtime_error(*problem);
    if (!options.recording_path.empty()) check_recording_path_writable(options.recording_path);
    std::vector<std::string> command = read_command_line(pid);
    if (options.recording_path.empty()) {
        options.recording_path = default_recording_path(command.empty() ? "process" : command.front(), pid);
    }
    std::unique_ptr<TrackerBridge> tracker;
    if (options.track) {
        tracker = TrackerBridge::create_for_running(command.empty() ? "" : command.front(), options);
        check_attachable(pid, *tracker);  // before the recording exists: a refusal leaves nothing behind
    }
    TrackerBridge* bridge = tracker.get();
    launch::install_stop_signal_handlers();
    RunInfo info = make_run_info(command, pid, /*attached=*/true, options);
    Watch watch(options, pid, info, std::move(tracker));
    std::vector<std::string> notes;
    if (bridge) notes.push_back(start_attached_tracker(pid, *bridge));
    const RunEnd end = watch.loop(nullptr);
    // Detach before the last reads: each tracker restores the program's GOT, sends its state, says goodbye.
    if (bridge) bridge->collector().end_streams();
    WatchResult result = watch.finish(end);
    result.recording_path = options.recording_path.string();
    result.notes.insert(result.notes.begin(), notes.begin(), notes.end());
    return result;
}

}  // namespace leakscope::session
