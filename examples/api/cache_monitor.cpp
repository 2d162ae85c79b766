// A service that watches its own caches with leakscope::Monitor, the way the brief's caching layer did:
// each cache reports (bytes, entries); the monitor samples them and the process's RSS in the background
// and calls back on each finding. "sessions" has no bound (a leak); "pages" is an LRU capped at 300
// entries (warm-up, then flat). Runs for a few seconds with fast sampling so the demo is short; a real
// service keeps the defaults (30 s sampling) and runs for weeks in bounded memory.
//   example_monitor [seconds]
#include <leakscope/leakscope.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace {

class Cache {
public:
    explicit Cache(std::size_t capacity) : capacity_(capacity) {}
    void put(int key, std::string value) {
        std::lock_guard lock(mutex_);
        bytes_ += value.size();
        entries_.emplace_front(key, std::move(value));
        if (capacity_ > 0 && entries_.size() > capacity_) {
            bytes_ -= entries_.back().second.size();
            entries_.pop_back();
        }
    }
    leakscope::GaugeReading reading() const {
        std::lock_guard lock(mutex_);
        return {static_cast<double>(bytes_), static_cast<double>(entries_.size())};
    }

private:
    mutable std::mutex mutex_;
    std::size_t capacity_;  ///< 0: unbounded
    std::size_t bytes_ = 0;
    std::list<std::pair<int, std::string>> entries_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
    leakscope::MonitorOptions options;
    options.sample_interval_s = 0.02;
    options.analysis_interval_s = 1.0;
    options.coalesce_s = 0;
    options.rapid_window_s = 0.5;  // "the last 5 minutes", scaled down with the sampling
    leakscope::Monitor monitor(options);
    monitor.on_finding([](const leakscope::Finding& f) {
        std::printf("[%6.2f s] %s %s (%s): %s\n           advice: %s\n", f.t_s, f.gauge.c_str(),
                    std::string(to_string(f.kind)).c_str(), std::string(to_string(f.severity)).c_str(),
                    f.summary.c_str(), f.advice.c_str());
    });

    Cache sessions(0), pages(300);
    monitor.gauge("cache.sessions", [&] { return sessions.reading(); });
    monitor.gauge("cache.pages", [&] { return pages.reading(); });
    monitor.start();

    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (int request = 0; std::chrono::steady_clock::now() < end; ++request) {
        sessions.put(request, std::string(512, 's'));  // never evicted
        pages.put(request, std::string(4096, 'p'));    // LRU
        leakscope_event();                             // per-request rates under `leakscope run`
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    monitor.stop();
    monitor.analyze_now();
    for (const leakscope::GaugeStatus& g : monitor.status())
        std::printf("%-16s %10.0f B  pattern %-18s %zu observations in %zu points\n", g.name.c_str(),
                    g.current_bytes, std::string(to_string(g.pattern)).c_str(), g.observations, g.history_points);
    return 0;
}
