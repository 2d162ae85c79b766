// A slow leak on a big base, through a logging library's registry (written in session 14 as a
// held-out check, never tuned on): a pricing API holds a ~48 MB rate matrix loaded at start and
// serves 800 requests a second on four worker threads (each request's quote buffer, 1-6 KiB, is freed
// when it is done). Requests that carry a debug-trace header (one in 20) get their own named logger,
// "trace.req-<request id>", from the logging library's create(), so the trace lines can be filtered by
// request; like spdlog's, the library registers every logger it creates in a global registry by name,
// and the handler never calls drop() when the request ends. The registry keeps every trace logger.
// Truth: a leak, linear, from the start: 40 loggers a second, each a shared Logger (its 17-character
// name, a 150-character format pattern, one sink pointer, level and counters), a registry node with its
// own copy of the name, and the registry's bucket array doubling now and then: ~400 B asked of malloc
// a logger, ~16 kB/s, ~0.26 MB over a 16 s run on a ~53 MB process (~0.5%). All of it is allocated in
// LoggerRegistry::create.
// Measured (tests/accuracy/measure.py, session 14): live heap +16.1 kB/s over 3-13 s, +16.3 kB/s over
// 5-15 s (48.08 -> 48.33 MB over the run); RSS +34 kB/s over 3-13 s (53.2 -> 53.5 MB); 640 loggers
// registered in 16 s.
// Usage: trace_logger_registry_slow_leak SECONDS
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"

namespace {

struct Sink {
    std::atomic<unsigned long> lines{0};
};

struct Logger {
    std::string name;
    std::string pattern;
    std::vector<std::shared_ptr<Sink>> sinks;
    int level = 0;
    unsigned long messages = 0;
};

class LoggerRegistry {
public:
    __attribute__((noinline)) std::shared_ptr<Logger> create(const std::string& name, std::shared_ptr<Sink> sink) {
        auto logger = std::make_shared<Logger>();
        logger->name = name;
        logger->pattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%^%l%$] [pid %P tid %t] [%s:%# %!] request=%n "
                          "user=%v upstream=%v latency_ms=%v bytes=%v cache=%v region=%v flags=%v";
        logger->sinks.push_back(std::move(sink));
        std::lock_guard lock(mutex_);
        loggers_[name] = logger;
        return logger;
    }
    void drop(const std::string& name) {
        std::lock_guard lock(mutex_);
        loggers_.erase(name);
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return loggers_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<Logger>> loggers_;
};

class RateMatrix {
public:
    __attribute__((noinline)) void load() {
        rates_.resize(12'000'000);
        for (std::size_t i = 0; i < rates_.size(); ++i) rates_[i] = 1.0f + static_cast<float>(i % 1009) * 1e-4f;
    }
    float rate(long route) const { return rates_[static_cast<std::size_t>(route * 7919) % rates_.size()]; }

private:
    std::vector<float> rates_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    RateMatrix matrix;
    matrix.load();
    LoggerRegistry registry;
    auto sink = std::make_shared<Sink>();
    std::atomic<long> next_request{1'000'000};
    std::atomic<double> revenue{0};

    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
        workers.emplace_back([&, w] {
            std::mt19937 rng(2024 + w);
            std::uniform_int_distribution<std::size_t> quote_size(1024, 6144);
            // 200 requests a second per worker, in ticks of 10 ms.
            pattern::every(0.01, seconds, [&](long, double) {
                for (int k = 0; k < 2; ++k) {
                    const long request = next_request++;
                    std::string quote(quote_size(rng), ' ');
                    const float price = matrix.rate(request) * 12.5f;
                    quote.replace(0, 16, std::to_string(price).substr(0, 16));
                    if (request % 20 == 0) {  // the debug-trace header
                        auto logger = registry.create("trace.req-" + std::to_string(request), sink);
                        ++logger->messages;
                        logger->sinks.front()->lines += 1;
                        // the handler was meant to call registry.drop(logger->name) here
                    }
                    revenue = revenue + static_cast<double>(quote.size() % 3) * price;
                }
            });
        });
    }
    for (auto& w : workers) w.join();
    std::fprintf(stderr, "trace_logger_registry_slow_leak: %zu trace loggers registered (%lu lines)\n", registry.size(),
                 sink->lines.load());
}
