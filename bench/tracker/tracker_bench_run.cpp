// Runs a command under the allocation tracker with a collector, passes its output through, and prints
// one summary line to stderr: stream size, stream bytes per hour, the tracker's own memory against the
// live allocations. Used by run_tracker_bench.sh.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "collector/tracker_collector.hpp"

namespace {

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct SummarySink : leakscope::collector::TrackerSink {
    void on_process(const leakscope::collector::TrackedProcess&) override { ++processes; }
    void on_module(const leakscope::Module&) override {}
    void on_module_unloaded(const leakscope::Module&) override {}
    void on_stack(const leakscope::Stack&) override { ++stacks; }
    void on_site_update(const leakscope::collector::SiteUpdate&) override { ++site_updates; }
    void on_totals(std::uint32_t, const leakscope::collector::TrackerTotals& t) override {
        // The tracker's memory at the time the live set was largest (its tables shrink after frees).
        if (t.live_allocations >= live_allocations_at_max) {
            live_allocations_at_max = t.live_allocations;
            max_tracker_bytes = t.tracker_bytes;
        }
        last = t;
    }
    void on_process_end(std::uint32_t, bool) override {}
    std::uint64_t processes = 0, stacks = 0, site_updates = 0, max_tracker_bytes = 0;
    std::int64_t live_allocations_at_max = 0;
    leakscope::collector::TrackerTotals last;
};

}  // namespace

int main(int argc, char** argv) {
    leakscope::collector::CollectorOptions options;
    int i = 1;
    for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
        std::string arg = argv[i];
        if (arg == "--sample-bytes" && i + 1 < argc) options.sample_bytes = std::strtoull(argv[++i], nullptr, 10);
        else if (arg == "--interval-ms" && i + 1 < argc) options.interval_ms = static_cast<std::uint32_t>(std::atoi(argv[++i]));
        else if (arg == "--library" && i + 1 < argc) options.tracker_library = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--sample-bytes N] [--interval-ms N] [--library PATH] -- CMD...\n", argv[0]);
            return 2;
        }
    }
    if (i + 1 >= argc) {
        std::fprintf(stderr, "usage: %s [--sample-bytes N] [--interval-ms N] [--library PATH] -- CMD...\n", argv[0]);
        return 2;
    }
    try {
        leakscope::collector::TrackerCollector collector(options);
        SummarySink sink;
        double start = now_s();
        pid_t pid = fork();
        if (pid == 0) {
            for (const auto& [k, v] : collector.environment()) setenv(k.c_str(), v.c_str(), 1);
            execvp(argv[i + 1], argv + i + 1);
            _exit(127);
        }
        int status = 0;
        double exited_at = 0;
        // The stream's steady rate: bytes received between the end of the start-up burst (modules, new
        // stacks, the first sites) and one second before the exit (the exit flush sends everything once).
        constexpr double kWarmup_s = 3.0;
        std::vector<std::pair<double, std::uint64_t>> progress;
        // A pidfd turns readable when the target exits: the loop notices at once instead of after a
        // poll timeout, which would otherwise add up to 20 ms to every timed run.
        const int exit_fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
        for (;;) {
            if (exit_fd >= 0 && !exited_at) {
                collector.poll(sink, 0);
                pollfd exit_poll{exit_fd, POLLIN, 0};
                ::poll(&exit_poll, 1, 10);
            } else {
                collector.poll(sink, 20);
            }
            if (!exited_at) progress.emplace_back(now_s() - start, collector.bytes_received());
            if (!exited_at && waitpid(pid, &status, WNOHANG) == pid) exited_at = now_s();
            if (exited_at && (collector.open_streams() == 0 || now_s() - exited_at > 5)) break;
        }
        while (collector.poll(sink, 0) > 0) {
        }
        if (exit_fd >= 0) close(exit_fd);
        double duration = exited_at - start;
        double steady_mb_per_hour = -1;  // -1: the run was too short to tell
        const std::pair<double, std::uint64_t>* from = nullptr;
        const std::pair<double, std::uint64_t>* to = nullptr;
        for (const auto& point : progress) {
            if (!from && point.first >= kWarmup_s) from = &point;
            if (point.first <= duration - 1.0) to = &point;
        }
        if (from && to && to->first > from->first + 1)
            steady_mb_per_hour = static_cast<double>(to->second - from->second) / (to->first - from->first) * 3600.0 / 1e6;
        std::fprintf(stderr,
                     "tracker-summary duration_s=%.3f stream_bytes=%llu stream_mb_per_hour=%.2f steady_stream_mb_per_hour=%.2f processes=%llu stacks=%llu "
                     "site_updates=%llu max_live_allocations=%lld tracker_bytes_at_max_live=%llu final_allocations=%llu final_frees=%llu\n",
                     duration, static_cast<unsigned long long>(collector.bytes_received()),
                     static_cast<double>(collector.bytes_received()) / duration * 3600.0 / 1e6, steady_mb_per_hour,
                     static_cast<unsigned long long>(sink.processes), static_cast<unsigned long long>(sink.stacks),
                     static_cast<unsigned long long>(sink.site_updates), static_cast<long long>(sink.live_allocations_at_max),
                     static_cast<unsigned long long>(sink.max_tracker_bytes), static_cast<unsigned long long>(sink.last.allocations),
                     static_cast<unsigned long long>(sink.last.frees));
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tracker_bench_run: %s\n", e.what());
        return 2;
    }
}
