#include "watch/watch_loop.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "launch/signal_forwarding.hpp"
#include "recording/recording_error.hpp"
#include "sampler/tree_sampler.hpp"
#include "session/run_info.hpp"
#include "session/watch_options.hpp"
#include "report/human_units.hpp"
#include "watch/decided.hpp"
#include "watch/hook_runner.hpp"
#include "watch/metrics_exposition.hpp"
#include "watch/process_history.hpp"
#include "watch/state_dir.hpp"
#include "watch/tracked_heaps.hpp"
#include "watch/transitions.hpp"

namespace leakscope::watch {
namespace {

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void log_line(const std::string& line) { std::fprintf(stderr, "leakscope: %s\n", line.c_str()); }

struct Watched {
    Candidate id;
    sampler::TreeSampler sampler;
    ProcessHistory history;
    VerdictState state;
    std::optional<ProcessMetrics> metrics;
};

ProcessMetrics metrics_of(const Watched& w, const SamplePoint& sample, const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    ProcessMetrics m;
    m.pid = w.id.pid;
    m.comm = w.id.comm;
    m.pattern = std::string(diagnosis::to_string(v.pattern));
    m.severity = std::string(diagnosis::to_string(v.severity));
    m.rss_bytes = static_cast<double>(sample.rss);
    if (known(sample.live_heap)) m.live_heap_bytes = static_cast<double>(sample.live_heap);
    if (known(sample.vm_data)) m.data_mappings_bytes = static_cast<double>(sample.vm_data);
    if (known(sample.runtime_heap_used) && known(sample.runtime_heap_committed)) {
        const auto count = [](std::uint64_t v) { return known(v) ? static_cast<double>(v) : 0.0; };
        m.jvm = ProcessMetrics::JvmHeap{.used_bytes = static_cast<double>(sample.runtime_heap_used),
                                        .committed_bytes = static_cast<double>(sample.runtime_heap_committed),
                                        .max_bytes = known(sample.runtime_heap_max)
                                                         ? std::optional(static_cast<double>(sample.runtime_heap_max))
                                                         : std::nullopt,
                                        .young_collections = count(sample.runtime_young_gcs),
                                        .full_collections = count(sample.runtime_full_gcs),
                                        .concurrent_collections = count(sample.runtime_concurrent_gcs)};
    }
    m.steady_rate_bytes_per_s = v.steady_rate_bytes_per_s;
    m.rate_ci_low_bytes_per_s = v.rate_ci_low_bytes_per_s;
    m.rate_ci_high_bytes_per_s = v.rate_ci_high_bytes_per_s;
    m.warmup_bytes = v.warmup_bytes;
    m.leak = v.leak;
    m.decided = is_decided(v);
    m.watch_more_s = v.watch_more_s;
    m.limit_bytes = v.limit_bytes;
    m.time_to_limit_s = v.time_to_limit_s;
    m.restart_interval_s = v.restart_interval_s;
    return m;
}

class WatchLoop {
public:
    explicit WatchLoop(const WatchConfig& config)
        : config_(config), selection_(config.selection), hooks_(config.on_leak) {
        if (selection_.pids_only() && selection_.select(fs_).empty())
            throw std::runtime_error("none of the processes given with --pid exists");
        ensure_state_dir(config.state_dir);
        health_.start_time_unix_s = unix_now();
        // The tracker socket first: it is made while no other thread runs (tracked_heaps.cpp).
        if (config.track) heaps_.emplace(config.state_dir / "tracker.sock");
        if (config.metrics) server_.emplace(*config.metrics);
        std::string where = server_ ? "metrics on http://" + config.metrics->host + ":" + std::to_string(server_->port()) + "/metrics"
                                    : "no metrics endpoint";
        log_line("watch: " + where + ", state in " + config.state_dir.string() + ", every " +
                 report::format_duration(config.every_s));
        if (heaps_) {
            std::string environment;
            for (const auto& [name, value] : heaps_->environment()) environment += " " + name + "=" + value;
            log_line("watch: processes started with" + environment + " are tracked (live heap)");
        }
    }

    void run() {
        launch::install_stop_signal_handlers();
        // cpp-httplib writes to sockets without MSG_NOSIGNAL: a scraper that hangs up mid-response
        // must cost that response (EPIPE), not the watch.
        ::signal(SIGPIPE, SIG_IGN);
        const auto start = std::chrono::steady_clock::now();
        auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
        double next = 0;
        while (true) {
            const double cycle_start = elapsed();
            const bool any = cycle();
            health_.last_cycle_seconds = elapsed() - cycle_start;
            publish();
            if (!any && selection_.pids_only()) {
                log_line("watch: every process given with --pid is gone");
                break;
            }
            next += config_.every_s;
            if (next < elapsed()) next = elapsed();  // fell behind: skip, don't burst
            if (config_.duration_s && next > *config_.duration_s) break;
            if (wait_until(next, elapsed)) break;
        }
        for (auto& [pid, w] : watched_) flush(w);
        hooks_.poll();  // a hook still running is left to finish on its own: a hung one must not hold up the stop
    }

private:
    /// One cycle; false when no process is watched.
    bool cycle() {
        const double now = unix_now();
        const auto selected = selection_.select(fs_);
        std::set<int> still;
        for (const auto& c : selected) still.insert(c.pid);
        for (auto it = watched_.begin(); it != watched_.end();) {
            const bool replaced = still.count(it->first) && !same_process(it->second.id, selected);
            if (still.count(it->first) && !replaced) {
                ++it;
                continue;
            }
            drop(it->second, now);
            it = watched_.erase(it);
        }
        for (const auto& c : selected) {
            if (!watched_.count(c.pid)) add(c);
        }
        std::set<int> gone;
        if (heaps_) heaps_->poll();
        for (auto& [pid, w] : watched_) {
            SamplePoint sample = w.sampler.sample();
            if (sample.processes == 0 || !w.sampler.root_alive()) {
                gone.insert(pid);
                continue;
            }
            if (heaps_) {
                std::vector<int> tree;
                for (const auto& p : w.sampler.last_processes()) tree.push_back(p.pid);
                heaps_->fill(tree, sample);
            }
            w.history.add(sample, now);
            const auto analysis = w.history.diagnose(analysis_options());
            const ProcessMetrics m = metrics_of(w, sample, analysis);
            for (const auto kind : update_state(w.state, m, config_.near_limit_s)) {
                const Transition t{kind, m, analysis.process.verdict.summary, w.history.path()};
                log_line(describe(t));
                ++health_.transitions[to_string(kind)];
                hooks_.start(hook_environment(t));
            }
            w.metrics = m;
            flush(w);
        }
        for (const int pid : gone) {
            drop(watched_.at(pid), now);
            watched_.erase(pid);
        }
        hooks_.poll();
        // After the first cycle the histories of processes that still run are known: what a previous
        // watch left of processes gone meanwhile can be pruned.
        if (health_.cycles == 0) prune(nullptr);
        ++health_.cycles;
        return !watched_.empty();
    }

    static bool same_process(const Candidate& known, const std::vector<Candidate>& selected) {
        for (const auto& c : selected)
            if (c.pid == known.pid) return c.start_time == known.start_time;
        return false;
    }

    void add(const Candidate& c) {
        std::vector<std::string> notes;
        const auto file = state_file(config_.state_dir, c);
        session::WatchOptions options;
        options.interval_s = config_.every_s;
        // With --track the process may stream to us (it was started with the tracker, or will say so
        // with its first allocations); samples without its totals leave the heap unknown.
        options.track = heaps_.has_value();
        options.sample_bytes = heaps_ ? kTrackerSampleBytes : 0;
        if (config_.limit_bytes) options.limit_bytes = static_cast<std::uint64_t>(*config_.limit_bytes);
        RunInfo info = session::make_run_info(session::read_command_line(c.pid), c.pid, /*attached=*/true, options);
        try {
            auto history = ProcessHistory::open(file, info, notes);
            const bool resumed = history.model().samples.size() > 0;
            for (const auto& note : notes) log_line(note);
            log_line("watch: pid " + std::to_string(c.pid) + " (" + c.comm + ")" +
                     (resumed ? ", resuming " + std::to_string(history.model().samples.size()) + " points of history" : ""));
            watched_.emplace(c.pid, Watched{c, sampler::TreeSampler(c.pid), std::move(history), {}, std::nullopt});
        } catch (const recording::RecordingError& e) {
            state_error(e.what());
        }
    }

    void drop(Watched& w, double now) {
        log_line("watch: pid " + std::to_string(w.id.pid) + " (" + w.id.comm + ") is gone; its history stays in " +
                 w.history.path());
        try {
            w.history.finish(now);
        } catch (const recording::RecordingError& e) {
            state_error(e.what());
        }
        prune(&w);
    }

    /// Keeps the histories of watched processes (but `leaving`) and the most recent of the others.
    void prune(const Watched* leaving) {
        std::set<std::string> live;
        for (const auto& [pid, other] : watched_)
            if (&other != leaving) live.insert(other.history.path());
        prune_state_dir(config_.state_dir, live, config_.keep_gone);
    }

    void flush(Watched& w) {
        try {
            w.history.flush();
        } catch (const recording::RecordingError& e) {
            state_error(e.what());
        }
    }

    void state_error(const std::string& what) {
        if (health_.state_errors++ == 0) log_line(what + " (further errors are counted in leakscope_watch_state_errors_total)");
    }

    analysis::Options analysis_options() const {
        analysis::Options options;
        options.limit_bytes = config_.limit_bytes;
        return options;
    }

    void publish() {
        if (!server_) return;
        std::vector<ProcessMetrics> processes;
        for (const auto& [pid, w] : watched_)
            if (w.metrics) processes.push_back(*w.metrics);
        health_.processes = watched_.size();
        health_.hook_runs = hooks_.runs();
        health_.hook_failures = hooks_.failures();
        health_.state_bytes = static_cast<double>(directory_bytes(config_.state_dir));
        if (auto self = fs_.read_status(static_cast<int>(::getpid())); self.ok() && self->vm_rss)
            health_.resident_bytes = static_cast<double>(*self->vm_rss);
        if (heaps_) health_.tracked_processes = heaps_->tracked_processes();
        server_->publish(render_metrics(processes, health_));
    }

    /// Sleeps until `deadline` (seconds on `elapsed`); true when a stop signal came.
    template <typename Elapsed>
    bool wait_until(double deadline, Elapsed& elapsed) {
        while (true) {
            bool from_terminal = false;
            if (launch::take_pending_signal(from_terminal)) return true;
            const double left = deadline - elapsed();
            if (left <= 0) return false;
            pollfd fd{launch::signal_wakeup_fd(), POLLIN, 0};
            ::poll(&fd, fd.fd >= 0 ? 1 : 0, static_cast<int>(left * 1000.0) + 1);
        }
    }

    const WatchConfig& config_;
    ProcessSelection selection_;
    HookRunner hooks_;
    sampler::ProcFs fs_;
    std::optional<MetricsServer> server_;
    std::optional<TrackedHeaps> heaps_;
    std::map<int, Watched> watched_;
    WatchHealth health_;
};

}  // namespace

void run_watch(const WatchConfig& config) {
    WatchLoop loop(config);
    loop.run();
}

}  // namespace leakscope::watch
