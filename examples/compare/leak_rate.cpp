// A service whose leak rate is set from its environment, for `leakscope compare` and `diff` tests and
// demos. Wall-clock paced, so the true rates are known whatever the machine:
//   LEAK_BYTES_PER_S        bytes/s kept forever by EventLog::append (a log that is never flushed)
//   CACHE_LEAK_BYTES_PER_S  bytes/s kept forever by ResponseCache::put (a cache without eviction)
// Every tick it also allocates and frees a request buffer (churn that is not a leak) and prints
// "request done" (count it with --events-regex 'request done' for rates per event).
// Usage: leak_rate [SECONDS]   (default 3)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr double kTickS = 0.02;

double rate_from_environment(const char* name) {
    const char* text = std::getenv(name);
    if (!text || !*text) return 0;
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (*end != '\0' || value < 0) {
        std::fprintf(stderr, "leak_rate: %s must be a non-negative number of bytes per second\n", name);
        std::exit(2);
    }
    return value;
}

/// Carries fractional bytes from tick to tick, so low rates are exact on average.
class Budget {
public:
    explicit Budget(double bytes_per_s) : per_tick_(bytes_per_s * kTickS) {}
    std::size_t take() {
        owed_ += per_tick_;
        const auto whole = static_cast<std::size_t>(owed_);
        owed_ -= static_cast<double>(whole);
        return whole;
    }

private:
    double per_tick_;
    double owed_ = 0;
};

class EventLog {
public:
    __attribute__((noinline)) void append(std::size_t bytes) {
        if (bytes == 0) return;
        auto line = std::make_unique<char[]>(bytes);
        std::memset(line.get(), 'e', bytes);  // resident, so RSS grows as the heap does
        lines_.push_back(std::move(line));
    }

private:
    std::vector<std::unique_ptr<char[]>> lines_;
};

class ResponseCache {
public:
    __attribute__((noinline)) void put(std::size_t bytes) {
        if (bytes == 0) return;
        std::string body(bytes, 'c');
        entries_.push_back(std::move(body));
    }

private:
    std::vector<std::string> entries_;
};

__attribute__((noinline)) void handle_request(long id) {
    std::vector<char> buffer(16384, static_cast<char>(id));  // freed at once: churn, not growth
    std::printf("request done %ld %d\n", id, buffer[100]);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    Budget log_budget(rate_from_environment("LEAK_BYTES_PER_S"));
    Budget cache_budget(rate_from_environment("CACHE_LEAK_BYTES_PER_S"));
    EventLog log;
    ResponseCache cache;

    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto next = start;
    for (long tick = 0; std::chrono::duration<double>(Clock::now() - start).count() < seconds; ++tick) {
        handle_request(tick);
        log.append(log_budget.take());
        cache.put(cache_budget.take());
        std::fflush(stdout);
        next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kTickS));
        std::this_thread::sleep_until(next);
    }
}
